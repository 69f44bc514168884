"""The command line: one module per command family, each with `register(add_command)`.
`run.py` hands its arguments here. Commands turn problems into `UserError` messages.
"""
