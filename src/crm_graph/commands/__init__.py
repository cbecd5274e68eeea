"""Sub-commands of the ``crm-graph`` command line, one module per group.

:mod:`crm_graph.cli` builds the application and registers them; the pieces every
command shares (the stderr console, ``--json``, the database) are in
:mod:`crm_graph.commands.common`.
"""
