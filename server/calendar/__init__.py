"""Calendar files and feeds: the pure iCalendar builder and the public feeds."""
