"""Schemathesis hooks for what the OpenAPI document cannot state.

A page `cursor` is valid only when the server issued it (a list's
`next_cursor`): no schema can say which strings those are, so a generated
one is refused with 422 `invalid_cursor`. Generated requests leave it out;
the stateful phase still pages with the cursors the server hands out.
"""

import schemathesis


@schemathesis.hook
def map_query(context, query):
    if query and "cursor" in query:
        query = {name: value for name, value in query.items() if name != "cursor"}
    return query
