"""The safety prompt: noticing that a post may describe violence by a client or an aggressor.

This is a prompt, not a filter. Nothing is refused or hidden because of
these words: a match shows the poster, before anything is posted, the
community's peer-run reporting option and a reminder not to name or
describe anyone identifiable, then lets them post as written. A prompt
shown without need costs one click; one missed can cost someone's safety,
so the list errs on the side of showing (it matches "substance abuse" and
"a violent week" too). Peer-run bad-date lines do the reporting; this site
stores nothing about clients.
"""

import re

# Each entry is a regular expression matched at a word boundary, case-insensitively.
# A stem ending in \w* also matches its other forms ("assault", "assaulted").
VIOLENCE_WORDS = (
    r"assault\w*",
    r"attack\w*",
    r"bad dates?",
    r"beat (?:me|her|him|them|us|up)",
    r"beaten",
    r"hit (?:me|her|him|them|us)",
    r"hurt (?:me|her|him|them|us)",
    r"punch\w*",
    r"kick(?:ed|ing) (?:me|her|him|them|us)",
    r"slap\w*",
    r"rap(?:e|ed|es|ing|ist|ists)",
    r"sexual(?:ly)? (?:violence|abuse|abused|assault\w*)",
    r"violen\w*",
    r"aggressor\w*",
    r"aggressive\w*",
    r"chok(?:e|ed|es|ing)",
    r"strangl\w*",
    r"threat\w*",
    r"stalk\w*",
    r"abus\w*",
    r"harass\w*",
    r"grop\w*",
    r"stab(?:s|bed|bing)?",
    r"knife",
    r"gun",
    r"weapon\w*",
    r"robbed",
    r"kidnap\w*",
    r"drugged",
    r"spiked (?:my|her|his|their|our) drinks?",
    r"drink spiking",
    r"forced (?:me|her|him|them|us)",
    r"predator\w*",
)

_VIOLENCE = re.compile(r"\b(?:" + "|".join(VIOLENCE_WORDS) + r")\b", re.IGNORECASE)


def describes_violence(text: str) -> bool:
    """Whether the text may describe violence by a client or an aggressor (see the module)."""
    return _VIOLENCE.search(text) is not None
