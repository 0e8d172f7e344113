# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets

from passlib.context import CryptContext

from odoo import api, fields, models
from odoo.exceptions import AccessError

#: the KDF Odoo uses for user passwords (res.users._crypt_context), fixed rounds
SECRET_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=100_000)


class Scope3PactClient(models.Model):
    """A data recipient (customer) allowed to call this Odoo's PACT API with the OAuth 2.0
    client credentials grant. The secret is shown once, when generated, and kept only as a
    PBKDF2 hash; its tokens are scoped to this client and to the client's company."""

    _name = "scope3.pact.client"
    _description = "PACT API Client (data recipient)"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", check_company=True, help="Whom the client stands for."
    )
    client_id = fields.Char(
        string="Client ID",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: "pact-" + secrets.token_hex(8),
    )
    secret_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    secret_set = fields.Boolean(compute="_compute_secret_set")
    token_lifetime = fields.Integer(
        string="Token Lifetime (s)", default=3600, required=True, help="Seconds."
    )
    callback_connection_id = fields.Many2one(
        "scope3.pact.connection",
        check_company=True,
        help="The customer's PACT node, where RequestFulfilled / RequestRejected and "
        "Published events are sent (its base URL and the credentials it gave us).",
    )
    auto_answer = fields.Boolean(
        help="Answer footprint requests at once: fulfilled with the matching approved "
        "footprints, rejected when none matches. Otherwise a Carbon Manager answers them.",
    )
    notify_published = fields.Boolean(
        string="Send Published Events",
        help="Announce newly approved footprints to this customer's PACT node.",
    )
    token_ids = fields.One2many("scope3.pact.token", "client_id", readonly=True)

    _sql_constraints = [
        ("client_id_unique", "UNIQUE(client_id)", "The client ID must be unique."),
        ("lifetime_positive", "CHECK(token_lifetime > 0)", "The token lifetime is positive."),
    ]

    @api.depends_context("uid")
    def _compute_secret_set(self):
        for client in self:
            client.secret_set = bool(client.sudo().secret_hash)

    def _pact_set_secret(self, secret=None):
        """Store the hash of a new secret (all tokens are revoked); return the secret."""
        self.ensure_one()
        secret = secret or secrets.token_urlsafe(32)
        self.sudo().write({"secret_hash": SECRET_CONTEXT.hash(secret)})
        self.token_ids.sudo().unlink()
        return secret

    def action_generate_secret(self):
        """Carbon Manager: a new secret, shown once."""
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager manages PACT clients."))
        secret = self._pact_set_secret()
        self.message_post(body=self.env._("A new client secret was generated."))
        # shown once, in a sticky notification: the secret is never stored, not even in a
        # transient record
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("PACT client secret (shown once)"),
                "message": self.env._(
                    "Client ID: %(client)s  Secret: %(secret)s  Give them to the customer "
                    "now: the secret cannot be shown again.",
                    client=self.client_id,
                    secret=secret,
                ),
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _pact_authenticate(self, client_id, secret):
        """The active client of these credentials, or an empty recordset."""
        client = self.sudo().search([("client_id", "=", client_id or "")], limit=1)
        if not client or not client.secret_hash or not secret:
            SECRET_CONTEXT.dummy_verify()
            return self.browse()
        if not SECRET_CONTEXT.verify(secret, client.secret_hash):
            return self.browse()
        return client
