"""Campaign actions: tasks volunteers do from their phones (call, email, write, sign, share)."""
