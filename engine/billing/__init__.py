"""Billing: the CPT codes a clinic bills OnBeat minutes under (config/billing.yaml), and the
units a session's minutes come to under the CMS 8-minute rule or the per-code rule.

Also a session's active time from its recorded targets, the checks of therapists' and chart
fields, and (session_billing) assigning and signing minutes through the Store protocol.
No drawing. Imports the standard library, numpy, platformdirs, engine.levels.yaml_reader
(the one safe YAML reader with line and column) and engine.store (records and protocol).
"""
