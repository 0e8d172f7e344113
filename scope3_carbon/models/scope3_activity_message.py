# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Why an activity has no figure, read in the reader's language (stored in source terms
from the templates of ``unmapped_messages``; a message made otherwise is shown as
stored)."""

from odoo import api, fields, models

from .unmapped_messages import parse


class Scope3Activity(models.Model):
    _inherit = "scope3.activity"

    message_display = fields.Text(
        string="Why",
        compute="_compute_message_display",
        help="Why the activity could not be attributed, or why it counts nothing, in your "
        "language.",
    )

    @api.depends("message")
    @api.depends_context("lang")
    def _compute_message_display(self):
        for activity in self:
            activity.message_display = activity._scope3_translate_message(activity.message)

    @api.model
    def _scope3_translate_message(self, text):
        """A stored message in the reader's language (as stored when not a template's)."""
        if not text:
            return text
        sentences = parse(text)
        if sentences is None:
            return text
        return " ".join(
            self.env._(template._source, **values) if values else self.env._(template)
            for template, values in sentences
        )
