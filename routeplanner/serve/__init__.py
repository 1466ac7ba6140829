"""`routeplanner serve`: the interactive planner, a Starlette application over the library.

:mod:`~routeplanner.serve.query` reads and checks the query string,
:mod:`~routeplanner.serve.planner` answers it on a loaded region (in worker
processes, :mod:`~routeplanner.serve.engine`), :mod:`~routeplanner.serve.exports`
renders files, and :mod:`~routeplanner.serve.app` is the web application with the
page in ``static/``.
"""
