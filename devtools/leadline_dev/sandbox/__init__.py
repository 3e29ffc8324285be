"""Local emulator of HubSpot, Salesforce and CallRail, faithful enough for the real client libraries,
with fault injection and a request journal (`python -m leadline_dev.sandbox.server`)."""
