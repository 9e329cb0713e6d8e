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
            _("You changed the two-factor requirement of %(organization)s: %(state)s.", **v),
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
    }
    # Lambdas: only the chosen kind is formatted (the others name values it lacks).
    return texts[notice.kind]()


async def on_account_notice(notice: AccountNotice) -> None:
    """``accounts.notices`` listener: queue the notice (inside the caller's transaction)."""
    _ = render.gettext(notice.locale)
    subject, lead = _texts(notice, _)
    base = mail.config().base_url
    to = compose.Recipient(email=notice.email, name=notice.display_name, locale=notice.locale)
    proof = notice.kind == "invitation_proof"
    draft = compose.draft(
        f"account_{notice.kind}"[:40],
        to,
        subject,
        template=TEMPLATE,
        lead=lead,
        url=f"{base}{notice.values.get('path') or SECURITY_PATH}",
        confirm=notice.kind in ("signup_confirm", "invitation_proof"),
        button=_("Confirm the invitation") if proof else _("Finish creating your account"),
        ignore=_("If it was not you, ignore this email: nothing happens without the link.")
        if proof
        else _(
            "If you did not ask for an account, ignore this email: nothing is created "
            "without the link."
        ),
    )
    await mail.queue_draft(draft, to, idempotency_key=notice.key[:255])
