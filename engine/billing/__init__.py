"""Billing: the CPT codes a clinic bills OnBeat minutes under (config/billing.yaml), and the
units a session's minutes come to under the CMS 8-minute rule or the per-code rule.

Pure functions over frozen dataclasses; no database, no drawing. Imports the standard
library, platformdirs and engine.levels.yaml_reader (the one safe YAML reader with line and
column), nothing else of the engine.
"""
