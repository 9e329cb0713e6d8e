"""Mail: confirmations, reminders and change notices through a durable outbox.

Modules:
- ``tables``   the outbox (one row per email, idempotency key unique), the suppression
               list (unsubscribed addresses, by hash) and unsubscribe tokens (hashed).
- ``compose``  PURE: plain values in (``EventInfo``, ``Recipient``), a ``Draft`` out.
               Text from Jinja templates under web/templates/email/ through gettext
               (``render``).
- ``mime``     PURE: ``email_message()`` turns a stored row into a stdlib
               ``EmailMessage`` (so names and titles can never add headers).
- ``service``  ``queue()`` and friends: write outbox rows inside the caller's
               transaction; reschedule/drop per event; failures for organizers;
               unsubscribe. ``notices`` builds and queues each kind from event rows.
- ``delivery`` SMTP (aiosmtplib, one connection kept open) or .eml files.
- ``worker``   claims due rows with a lease, sends, retries with backoff.
- ``pages``    one-click unsubscribe and the organizer's mail-status fragment.

Who calls what (features stand in order accounts < events < calendar < mail < signups):
- events → mail: ``notices.on_event_changed`` is subscribed to ``server.events.hooks`` in
  ``server/app.py``; inside the event's write transaction it re-renders and reschedules
  pending reminders of a moved/changed event and drops them when it is cancelled.
- accounts → mail: ``notices.on_invitation`` is subscribed to
  ``accounts.members.invitation_listeners`` in ``server/app.py``.
- signups → mail (signups comes after mail and owns the attendee list): it calls
  ``notices.send_rsvp_confirmation``, ``send_waitlist_promotion``, ``set_reminders``,
  ``stopped_going``, ``send_my_signups_link``, ``broadcast`` and, from its own
  events-hook listener, ``notify_attendees(event_row, recipients, "event_changed" |
  "event_cancelled")`` — mail cannot send change notices by itself because it does not
  know who is coming.
"""
