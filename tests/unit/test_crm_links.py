"""Where a rep opens a record Leadline wrote: the registry's page templates over the tenant's crm_config."""

from __future__ import annotations

import pytest

from leadline.domain.crm import CRMS, crm_link


@pytest.mark.parametrize(("crm_type", "kind", "config", "expected"), [
    ("hubspot", "record", {"hubspot_portal_id": 42}, "https://app.hubspot.com/contacts/42/record/0-1/X1"),
    ("hubspot", "engagement", {"hubspot_portal_id": "42"}, "https://app.hubspot.com/contacts/42/record/0-48/X1"),
    ("salesforce", "record", {"salesforce_instance_url": "https://acme.my.salesforce.com/"},
     "https://acme.my.salesforce.com/lightning/r/Lead/X1/view"),
    ("salesforce", "engagement", {"salesforce_instance_url": "https://acme.my.salesforce.com"},
     "https://acme.my.salesforce.com/lightning/r/Task/X1/view"),
    ("pipedrive", "record", {"pipedrive_company_domain": "acme"}, "https://acme.pipedrive.com/person/X1"),
    ("pipedrive", "engagement", {"pipedrive_company_domain": "acme"}, "X1"),  # no page template: the bare id
    ("hubspot", "record", {}, "X1"),  # the tenant has not named its portal: the bare id, not a broken link
    ("salesforce", "record", {"salesforce_instance_url": ""}, "X1"),
])
def test_deep_link_where_the_tenant_config_allows_else_the_bare_id(crm_type, kind, config, expected):
    assert crm_link(crm_type, kind, "X1", config) == expected


def test_every_registered_crm_names_what_it_writes():
    for plugin in CRMS.values():
        assert plugin.label and plugin.record.noun and plugin.engagement.noun
        assert ":" in plugin.hook
