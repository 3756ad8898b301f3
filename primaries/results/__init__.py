"""The read side: the members' pages, the downloads and the documents the JSON API serves.

Modules by concern: :mod:`.versions` (what is current; ETags and cache keys),
:mod:`.documents` (the contract's JSON), :mod:`.rows` and :mod:`.regions` (tables for people),
:mod:`.overview` (an election and its rounds), :mod:`.compare` (rounds side by side),
:mod:`.certificates`, :mod:`.package` and :mod:`.downloads` (what readers take away);
:mod:`.cache` and :mod:`.http` keep and answer them; :mod:`.views` serves the pages. Nothing here
changes data.
"""
