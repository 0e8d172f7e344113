# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..core import pact_v3


def valid_pf(**pcf):
    data = {
        "id": "b1f8c0d2-7c4e-4e67-9a9c-2e4c12345678",
        "specVersion": "3.0.0",
        "version": 2,
        "created": "2026-01-15T10:15:30Z",
        "status": "Active",
        "precedingPfIds": ["c2e9d1f3-8d5f-4f78-9b0d-3f5e23456789"],
        "validityPeriodStart": "2026-01-15T10:15:30Z",
        "validityPeriodEnd": "2027-12-31T00:00:00Z",
        "companyName": "Acme Corp",
        "companyIds": ["urn:uuid:abc12345-6789-4def-0123-456789abcdef"],
        "productDescription": "Renewable Diesel",
        "productIds": ["urn:gtin:1234567890123"],
        "productNameCompany": "Renewable Diesel",
        "pcf": {
            "declaredUnitOfMeasurement": "liter",
            "declaredUnitAmount": "1",
            "productMassPerDeclaredUnit": "0.84",
            "referencePeriodStart": "2025-01-01T00:00:00+00:00",
            "referencePeriodEnd": "2025-12-31T00:00:00+00:00",
            "geographyCountry": "DE",
            "pcfExcludingBiogenicUptake": "0.77",
            "pcfIncludingBiogenicUptake": "0.5",
            "fossilGhgEmissions": "0.7",
            "fossilCarbonContent": "0.1",
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["ISO14067"],
            "exemptedEmissionsPercent": "0",
            "dqi": {"technologicalDQR": "1", "geographicalDQR": "2", "temporalDQR": "1.5"},
        },
    }
    data["pcf"].update(pcf)
    return data


@tagged("post_install", "-at_install")
class TestPactCore(BaseCase):
    def test_parse_valid_footprint(self):
        pf = pact_v3.parse_footprint(valid_pf())
        self.assertEqual(pf.pcf_excluding_biogenic, 0.77)
        self.assertEqual(pf.dqr, 1.5)
        self.assertEqual(pf.reference_period_end, datetime(2025, 12, 31))
        self.assertEqual(pf.preceding_pf_ids, ["c2e9d1f3-8d5f-4f78-9b0d-3f5e23456789"])

    def test_invalid_footprints(self):
        bad = [
            valid_pf(pcfExcludingBiogenicUptake="-1"),
            valid_pf(declaredUnitOfMeasurement="barrel"),
            valid_pf(declaredUnitAmount="0"),
            valid_pf(pcfExcludingBiogenicUptake=0.77),  # a number, not a decimal string
            valid_pf(exemptedEmissionsPercent="12"),
            valid_pf(geographyCountry="Germany"),
            valid_pf(dqi={"technologicalDQR": "4", "geographicalDQR": "1", "temporalDQR": "1"}),
            valid_pf(referencePeriodEnd="2024-01-01T00:00:00Z"),
            {**valid_pf(), "id": "not-a-uuid"},
            {**valid_pf(), "productIds": ["1234567890123"]},
            {k: v for k, v in valid_pf().items() if k != "productNameCompany"},
            {
                **valid_pf(),
                "pcf": {k: v for k, v in valid_pf()["pcf"].items() if k != "fossilGhgEmissions"},
            },
            "not an object",
        ]
        for pf in bad:
            with self.assertRaises(pact_v3.PactError, msg=str(pf)[:200]):
                pact_v3.parse_footprint(pf)

    def test_datetimes_and_decimals(self):
        self.assertEqual(
            pact_v3.parse_datetime("2026-03-01T12:00:00+02:00"), datetime(2026, 3, 1, 10, 0)
        )
        self.assertEqual(
            pact_v3.format_datetime(datetime(2026, 3, 1, 10, 0, 5, 7)), "2026-03-01T10:00:05Z"
        )
        self.assertEqual(pact_v3.format_decimal(0.1 + 0.2), "0.30000000000000004")
        self.assertEqual(pact_v3.format_decimal(77.0), "77")
        self.assertEqual(pact_v3.format_decimal(1e-7), "0.0000001")
        for bad in ("2026-03-01", "yesterday", "2026-02-30T00:00:00Z"):
            with self.assertRaises(pact_v3.PactError):
                pact_v3.parse_datetime(bad)

    def test_pagination_links(self):
        query = pact_v3.parse_list_query([("geography", "DE"), ("limit", "2"), ("offset", "2")])
        links = pact_v3.pagination_links("https://h/3/footprints", query, 5)
        self.assertEqual(
            links,
            '<https://h/3/footprints?geography=DE&limit=2&offset=4>; rel="next", '
            '<https://h/3/footprints?geography=DE&limit=2&offset=0>; rel="first", '
            '<https://h/3/footprints?geography=DE&limit=2&offset=0>; rel="prev", '
            '<https://h/3/footprints?geography=DE&limit=2&offset=4>; rel="last"',
        )
        self.assertIsNone(pact_v3.pagination_links("https://h", pact_v3.ListQuery(), 3))
