"""The ``painsign`` command line: one module a subcommand, the entry point in :mod:`.main`.

:mod:`.main` (the parser, error handling, ``painsign`` itself), :mod:`.args` (option types and the
one-line-error parser), and the subcommands: :mod:`.synth`, :mod:`.book` (``book``, ``params``,
``commands``), :mod:`.check`, :mod:`.pretrain`, :mod:`.video`. ``python -m painsign_utils.cli``
runs it too. See docs/design.md.
"""
