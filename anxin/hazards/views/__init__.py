"""The staff workbench pages of the hazard file, one module per page:

* ``list_page``: the list with its filters, sorting and keyset pages, and the Excel ledger;
* ``file_page``: the file page (一隐患一档案) and the forms of the steps the user may take;
* ``report_page``: the staff report form with its category search and duplicate check.

Each page receives its rows from ``anxin.core.pages.scoped`` (a hazard out of
scope answers 404); every write calls the same actions as the API. What a page
shows of a file is built in ``anxin.hazards.presenters``.
"""
