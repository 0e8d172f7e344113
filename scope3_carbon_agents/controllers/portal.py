# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

REQUEST_MODEL = "scope3.supplier.data.request"


class Scope3SupplierPortal(CustomerPortal):
    """Supplier data requests on the portal: a supplier's contacts see their own
    requests only (record rule) and submit product footprints, pending review."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "scope3_request_count" in counters:
            Request = request.env[REQUEST_MODEL]
            values["scope3_request_count"] = (
                Request.search_count([("state", "!=", "draft")])
                if Request.has_access("read")
                else 0
            )
        return values

    @http.route(["/my/scope3/requests"], type="http", auth="user", website=True)
    def portal_my_scope3_requests(self, **kw):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "requests": request.env[REQUEST_MODEL].search([("state", "!=", "draft")]),
                "page_name": "scope3_requests",
            }
        )
        return request.render("scope3_carbon_agents.portal_my_scope3_requests", values)

    def _scope3_request_page(self, data_request, access_token, error=None, message=None):
        values = self._get_page_view_values(
            data_request, access_token, {}, "my_scope3_requests_history", False
        )
        values.update(
            {
                "data_request": data_request,
                "footprints": data_request._scope3_footprints(),
                "page_name": "scope3_request",
                "access_token": access_token,
                "error": error,
                "message": message,
            }
        )
        return request.render("scope3_carbon_agents.portal_scope3_request", values)

    @http.route(["/my/scope3/requests/<int:request_id>"], type="http", auth="public", website=True)
    def portal_scope3_request(self, request_id, access_token=None, **kw):
        try:
            data_request = self._document_check_access(REQUEST_MODEL, request_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        return self._scope3_request_page(data_request, access_token)

    @http.route(
        ["/my/scope3/requests/<int:request_id>/submit"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_scope3_submit(self, request_id, access_token=None, **post):
        try:
            data_request = self._document_check_access(REQUEST_MODEL, request_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        try:
            values = {
                "product_id": int(post.get("product_id") or 0),
                "declared_unit": (post.get("declared_unit") or "").strip(),
                "pcf_kg": float(post.get("pcf_kg")),
                "dqr": float(post.get("dqr")),
                "primary_data_share": float(post.get("primary_data_share") or 0.0),
                "valid_from": post.get("valid_from") or False,
                "valid_to": post.get("valid_to") or False,
            }
            if not values["declared_unit"]:
                raise ValueError("declared unit")
            evidence = post.get("evidence")
            attachment = None
            if evidence and getattr(evidence, "filename", None):
                attachment = (evidence.filename, evidence.read())
            elif post.get("evidence_b64"):
                attachment = (
                    post.get("evidence_name") or "evidence",
                    base64.b64decode(post["evidence_b64"]),
                )
            data_request.sudo()._scope3_submit_footprint(values, attachment)
        except (TypeError, ValueError, UserError) as exc:
            return self._scope3_request_page(
                data_request,
                access_token,
                error=str(exc)
                if isinstance(exc, UserError)
                else request.env._("Please fill in every required field with a valid value."),
            )
        return self._scope3_request_page(
            data_request, access_token, message=request.env._("Thank you: footprint received.")
        )
