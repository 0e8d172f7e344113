# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Scope3PactToken(models.Model):
    """An access token of a PACT client, kept as its SHA-256 (the token is 256 random bits:
    a fast hash is enough and makes the lookup an index scan)."""

    _name = "scope3.pact.token"
    _description = "PACT Access Token"
    _order = "id desc"

    client_id = fields.Many2one(
        "scope3.pact.client", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="client_id.company_id", store=True)
    token_hash = fields.Char(required=True, readonly=True, index=True)
    expires_at = fields.Datetime(required=True, readonly=True, index=True)

    _sql_constraints = [("token_hash_unique", "UNIQUE(token_hash)", "Duplicate token.")]

    @api.model
    def _pact_issue(self, client):
        token = secrets.token_urlsafe(32)
        self.sudo().create(
            {
                "client_id": client.id,
                "token_hash": _digest(token),
                "expires_at": fields.Datetime.now() + timedelta(seconds=client.token_lifetime),
            }
        )
        return token, client.token_lifetime

    @api.model
    def _pact_check(self, token):
        """(client, error code): the client of a valid token, else an empty client and
        ``BadRequest`` (unknown or forged) or ``TokenExpired``."""
        record = self.sudo().search([("token_hash", "=", _digest(token or ""))], limit=1)
        if not record or not record.client_id.active:
            return self.env["scope3.pact.client"], "BadRequest"
        if record.expires_at <= fields.Datetime.now():
            return self.env["scope3.pact.client"], "TokenExpired"
        return record.client_id, None

    @api.autovacuum
    def _gc_expired(self):
        self.sudo().search(
            [("expires_at", "<", fields.Datetime.now() - timedelta(days=1))]
        ).unlink()
