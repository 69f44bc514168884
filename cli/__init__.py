"""The command line: one module per command family, each with `register(add_command)`;
`cli/main.py` builds the parser from them and is what `run.py` calls. Commands turn problems
into `UserError` messages. May import `engine` and `game`; nothing imports `cli`.
"""
