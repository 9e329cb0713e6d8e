"""Security notices to an organizer's own address (accounts/notices.py says when).

Subscribed to ``accounts.notices.notice_sent`` in server/app.py; runs inside the
write transaction of the change it reports. Each kind is a subject and one lead line
through gettext in the organizer's language, plus a link (to the security page, or the
link that finishes a sign-up). Security notices cannot be unsubscribed from: they are
not in ``compose.UNSUBSCRIBABLE``.
"""

from __future__ import annotations

from collections.abc import Callable

from server.accounts.notices import AccountNotice
from server.mail import compose, render
from server.mail import service as mail

TEMPLATE = "account_notice"
SECURITY_PATH = "/organizer/security"


def _texts(notice: AccountNotice, _: Callable[..., str]) -> tuple[str, str]:
    """(subject, lead) of each kind; values are one-lined names the organizer gave."""
    v = {k: compose.one_line(value, 120) for k, value in notice.values.items()}
    site = compose.SITE_NAME
    texts: dict[str, Callable[[], tuple[str, str]]] = {
        "api_token_created": lambda: (
            _("A new API token was created on %(site)s", site=site),
            _("A new API token named \u201c%(name)s\u201d was created for your account.", **v),
        ),
        "two_factor_enabled": lambda: (
            _("Two-factor sign-in was turned on"),
            _("Two-factor sign-in was turned on for your account."),
        ),
        "two_factor_disabled": lambda: (
            _("Two-factor sign-in was turned off"),
            _("Two-factor sign-in was turned off for your account."),
        ),
        "recovery_codes_replaced": lambda: (
            _("New recovery codes were made"),
            _(
                "New two-factor recovery codes were made for your account; the old ones no "
                "longer work."
            ),
        ),
        "org_require_2fa_changed": lambda: (
            _("Two-factor requirement changed: %(organization)s", **v),
            _(
                "You changed the two-factor requirement of %(organization)s: %(state)s.",
                # The state is stored in English (marked in accounts/twofactor.py).
                **{**v, "state": _(v["state"])},
            ),
        ),
        "member_invited": lambda: (
            _("You invited someone to %(organization)s", **v),
            _("You invited %(email)s to %(organization)s as %(role)s.", **v),
        ),
        "member_removed": lambda: (
            _("You removed a member of %(organization)s", **v),
            _("You removed %(member)s (%(role)s) from %(organization)s.", **v),
        ),
        "signup_attempt": lambda: (
            _("Someone tried to create an account with your address"),
            _(
                "Someone tried to create a new %(site)s account with this email address. You "
                "already have one, so nothing was created. If it was you, sign in instead "
                "(or reset your password).",
                site=site,
            ),
        ),
        "signup_confirm": lambda: (
            _("Finish creating your %(site)s account", site=site),
            _("Open this link to finish creating your account (it works for one day):"),
        ),
        "code_failures": lambda: (
            _("Several wrong sign-in codes for your account"),
            _(
                "Several wrong two-factor or password confirmations were tried on your account "
                "in the last minutes, and further tries are slowed down. If it was not you, "
                "someone knows your password: change it and sign out everywhere."
            ),
        ),
        "invitation_proof": lambda: (
            _("Confirm your invitation to %(organization)s", **v),
            _(
                "%(who)s (account %(account)s) asked to join %(organization)s with the "
                "invitation sent to this address. Open this link only if that account is "
                "yours:",
                **v,
            ),
        ),
        "password_reset": lambda: (
            _("Reset your %(site)s password", site=site),
            _(
                "Someone, most likely you, asked to reset the password of your account. Open "
                "this link within an hour to choose a new one (it works once):"
            ),
        ),
        "password_reset_done": lambda: (
            _("Your password was reset"),
            _(
                "The password of your account was reset with a link mailed to this address, "
                "and every session was signed out. If it was not you, reset it again now and "
                "check your API tokens."
            ),
        ),
        "password_changed": lambda: (
            _("Your password was changed"),
            _(
                "The password of your account was changed, and every other session was signed "
                "out. If it was not you, reset it now and check your API tokens."
            ),
        ),
        "email_change_confirm": lambda: (
            _("Confirm your new address on %(site)s", site=site),
            _(
                "Someone, most likely you, asked to use this address for their organizer "
                "account. Open this link within a day to confirm it (it works once):"
            ),
        ),
        "email_change_attempt": lambda: (
            _("Someone tried to move another account to your address"),
            _(
                "Someone asked to use this email address for another %(site)s account. It "
                "already belongs to yours, so nothing was changed.",
                site=site,
            ),
        ),
        "email_changed": lambda: (
            _("The address of your account was changed"),
            _(
                # Not "reset your password": the reset link would go to the new address.
                "The email address of your account was changed to %(email)s. If it was not "
                "you, write to the site's admins at once: only they can give the account back.",
                **v,
            ),
        ),
    }
    # Lambdas: only the chosen kind is formatted (the others name values it lacks).
    return texts[notice.kind]()


# Notices whose point is a link to open (shown as a button).
_LINKS = ("signup_confirm", "invitation_proof", "password_reset", "email_change_confirm")


def _button(kind: str, _: Callable[..., str]) -> str:
    if kind == "invitation_proof":
        return _("Confirm the invitation")
    if kind == "email_change_confirm":
        return _("Confirm the new address")
    if kind == "password_reset":
        return _("Choose a new password")
    return _("Finish creating your account")


async def on_account_notice(notice: AccountNotice) -> None:
    """``accounts.notices`` listener: queue the notice (inside the caller's transaction)."""
    _ = render.gettext(notice.locale)
    subject, lead = _texts(notice, _)
    base = mail.config().base_url
    to = compose.Recipient(email=notice.email, name=notice.display_name, locale=notice.locale)
    proof = notice.kind == "invitation_proof"
    reset = notice.kind == "password_reset"
    draft = compose.draft(
        f"account_{notice.kind}"[:40],
        to,
        subject,
        template=TEMPLATE,
        lead=lead,
        url=f"{base}{notice.values.get('path') or SECURITY_PATH}",
        confirm=notice.kind in _LINKS,
        button=_button(notice.kind, _),
        ignore=_("If it was not you, ignore this email: nothing happens without the link.")
        if proof or reset or notice.kind == "email_change_confirm"
        else _(
            "If you did not ask for an account, ignore this email: nothing is created "
            "without the link."
        ),
    )
    await mail.queue_draft(draft, to, idempotency_key=notice.key[:255])
