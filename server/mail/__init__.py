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
               transaction; reschedule/drop per event; failures for organizers.
- ``notices``  builds and queues each kind of message from event rows (one module for
               every notification: confirmations, statuses, promotions, reminders).
- ``sealed``   invariant 3 at rest: bodies, subjects, headers and contexts are sealed
               (AES-GCM, key from SECRET_KEY via ``server.crypto``) and wiped once a
               message is sent, failed or dropped; the module says what stays in clear.
- ``unsubscribe`` one-click links (hashed) and the suppression list.
- ``event_notices`` change/cancellation notices: a marker written with the event's
               change, composed later (outside its transaction) by signups.
- ``retries``  attempt counts and backoff for mail that could not be composed.
- ``delivery`` SMTP (aiosmtplib, one connection kept open) or .eml files.
- ``worker``   claims due rows with a lease, sends on several SMTP lanes (a task
               group), retries with backoff.
- ``pages``    one-click unsubscribe and the organizer's mail-status fragment.

Who calls what (features stand in order accounts < events < calendar < mail < signups):
- events → mail: ``notices.on_event_changed`` is subscribed to ``events.hooks.changed``
  in ``server/app.py``; inside the event's write transaction it drops the pending
  reminders of a cancelled event, and for a moved/changed one holds them back and marks
  them (``event_notices.mark_reminders``): they are re-rendered and moved in the background.
- accounts → mail: ``notices.on_invitation`` is subscribed to
  ``accounts.members.invitation_sent``, ``account_notices.on_account_notice`` to
  ``accounts.notices.notice_sent``, both in ``server/app.py``.
- signups → mail (signups comes after mail and owns the attendee list): its background
  sender (``signups.notices``) composes what a signup change marked, calling
  ``notices.tell_status``, ``promoted``, ``already_signed_up``, ``set_reminders``,
  ``stopped_going`` and ``send_my_signups_link``; its events-hook listener
  (``signups.service.on_event_changed``) calls ``event_notices.mark(event_row,
  "event_changed" | "event_cancelled", before)``, and ``signups.event_notices`` then
  renders and queues them for whoever is still signed up (``event_notices.what_changed``
  says what moved) — mail cannot send change notices by itself because it does not know
  who is coming.
"""
