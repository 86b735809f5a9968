"""The query language shared by the search bar, the CLI (`--query`) and saved searches.

`parse_query(text)` turns a query into a `Query` (or raises `QueryError` naming the position and
what was expected); `QueryIndex(articles).select(query, context)` evaluates it over a whole
collection fast enough to run on every keystroke; `matches(...)` is the slow, obviously correct
evaluator over one article that the tests hold `select` to.

Grammar (case-insensitive everywhere except the keywords `OR` and `AND`, which are upper case):

- **Free words** match as substrings of the title, excerpt, provider name or any topic (a word never
  matches across two of those fields). Every word must match. `"quoted phrases"` match as a whole;
  inside quotes `\\"` is a quote and `\\\\` a backslash.
- **Field terms**: `topic:X` (a topic equal to X), `provider:X` (substring of provider name or
  domain), `category:X`, `type:X` (equal), `tag:X` (a user tag equal to X), `is:read|unread|starred|
  archived`, `has:original|amp|image|related|body` (`amp`: an AMP or a CDN AMP URL; `body`: a body
  that is not blank), `link:alive|broken|unchecked`. Values with spaces are quoted:
  `topic:"AI Ethics"`. Field names are case-insensitive (`Topic:AI`).
- **Comparisons**: `quality` and `heat` with `>`, `>=`, `<`, `<=`, `=` and a whole number
  (`quality>80`, `heat>=-1`); `quality:>80` is the same as `quality>80` and `quality:80` the same
  as `quality=80`. `after:YYYY-MM-DD` and `before:YYYY-MM-DD` are inclusive, on the UTC date.
  `age<3d`, `age>12h`, `age<=2w` (units m minutes, h hours, d days, w weeks; `age:<3d` works too).
  An article without the value (no quality, no date) never satisfies a comparison, so
  `-quality>80` selects it (it is "not known to be above 80").
- **Operators**: a leading `-` negates a term or a group (`-topic:ai`, `-(a OR b)`); terms side by
  side are ANDed (an explicit `AND` is allowed); `OR` goes between terms; parentheses group.
  Precedence: `-` binds tightest, then AND, then OR: `a b OR c` is `(a b) OR c`.
- **Unknown fields**: `foo:bar` where `foo` is a plain word that is not a field is an error naming
  the known fields (a typo such as `topci:ai` should not silently search text). A URL-ish word
  whose value starts with `//` (`http://x`) is free text, as is a word ending in a colon
  (`Breaking:`) and anything quoted (`"foo:bar"`).
- The empty query (or only spaces) matches everything.

Link status comes from the caller as a mapping article id -> "alive" | "broken"; an id that is
missing is "unchecked" (any other value matches none of the three).
"""

from reader.query.evaluate import QueryContext, QueryIndex, matches, now
from reader.query.syntax import (
    FIELDS,
    Age,
    And,
    Compare,
    DateBound,
    Flag,
    Match,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Text,
    ends_in_field_name,
    parse_query,
    quote_value,
    uses_clusters,
    uses_links,
    uses_state,
    uses_time,
    wanted_topics,
)

__all__ = [
    "FIELDS",
    "Age",
    "And",
    "Compare",
    "DateBound",
    "Flag",
    "Match",
    "Node",
    "Not",
    "Or",
    "Query",
    "QueryContext",
    "QueryError",
    "QueryIndex",
    "Text",
    "ends_in_field_name",
    "matches",
    "now",
    "parse_query",
    "quote_value",
    "uses_clusters",
    "uses_links",
    "uses_state",
    "uses_time",
    "wanted_topics",
]
