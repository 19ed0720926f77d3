"""Who may be shown what: which indexed documents each kind of recommendation may offer a viewer,
decided on the index's metadata (no query per hit), and which words of a listing seen only as a
summary may be named as reasons.

The filters run once per candidate the matcher walks, best first, so each rejects other kinds of
document by the id's prefix before it reads any metadata (a read decodes one row of the shared columns).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matching.tokenize import normalize

from ...models import Challenge, ChallengeState, User
from ..match_index import chain_name
from ..visibility import listed_doc_checker

DocFilter = Callable[[str], bool]
LISTING_PREFIXES = ("cap:", "ach:")  # a document's id starts with its kind (match_index._doc)


def listings_for_challenge(index, challenge: Challenge, chain_id: int | None, org_type: str,
                           region: str) -> set[str] | DocFilter:
    """Capabilities and achievements that may be recommended for `challenge`: other organisations'
    (an organisation is never recommended to itself), of the chosen chain, organisation type and region.

    Decided over the whole index at once (a chosen region may leave a few dozen of 100k listings, which
    a test per candidate would walk nearly all of): a set of ids when few pass, else a function."""
    return index.meta.select(*listing_rule(challenge.organisation_id, chain_id, org_type, region))


def listing_rule(org_id: int, chain_id: int | None, org_type: str, region: str):
    """The listings rule in its two forms: over the saved columns at once, and for one document
    changed since they were saved (index_meta.DocMeta.select takes both)."""

    def rows(saved) -> np.ndarray:
        mask = saved.kind_in("cap", "ach") & ~saved.org_is(org_id)
        if chain_id is not None:
            mask &= saved.has_chain(chain_id)
        if org_type:
            mask &= saved.equals("org_type", org_type)
        if region:
            mask &= saved.equals("region", region)
        return mask

    def passes(doc_id: str, info: dict) -> bool:
        """The same rule for one document."""
        return (info["kind"] in ("cap", "ach") and info["org"] != org_id
                and (chain_id is None or chain_id in info["chains"]) and (not org_type or info["org_type"] == org_type)
                and (not region or info["region"] == region))

    return rows, passes


def open_challenges_for(index, user: User) -> tuple[DocFilter, tuple]:
    """(allowed, signature): the published challenges `user` may see; users with equal signatures
    see the same ones."""
    check, signature = listed_doc_checker(user)

    def allowed(doc_id: str) -> bool:
        if not doc_id.startswith("ch:"):
            return False
        meta = index.meta.get(doc_id)
        return bool(meta and meta.get("state") == ChallengeState.published.value and check(int(doc_id[3:]), meta)[0])

    return allowed, signature


def lookalikes_for(index, challenge: Challenge, user: User | None) -> tuple[DocFilter, DocFilter, tuple]:
    """(allowed, in_full, signature) for the challenges shown as look-alikes of `challenge`: any other
    challenge `user` may see (listings awaiting review only to their organisation and reviewers), and
    which of them `user` sees in full; equal signatures see the same."""
    check, signature = listed_doc_checker(user)
    own = f"ch:{challenge.id}"

    def sees_submitted(meta) -> bool:
        """Listings awaiting review are seen only by their own organisation and their reviewers."""
        return user is not None and user.is_authenticated and (
            user.is_platform_admin or meta["org"] == user.organisation_id or user.admin_chain_id in meta["chains"])

    def allowed(doc_id: str) -> bool:
        if doc_id == own or not doc_id.startswith("ch:"):
            return False
        meta = index.meta.get(doc_id)
        if meta is None:
            return False
        if meta.get("state") == ChallengeState.submitted.value:
            return sees_submitted(meta)
        return check(int(doc_id[3:]), meta)[0]

    def in_full(doc_id: str) -> bool:
        meta = index.meta[doc_id]
        return sees_submitted(meta) if meta.get("state") == ChallengeState.submitted.value \
            else check(int(doc_id[3:]), meta)[1]

    admin_chain = user.admin_chain_id if user is not None and user.is_authenticated else None
    return allowed, in_full, (signature, admin_chain)


def challenge_verdicts(index, user: User | None) -> tuple[Callable[[str], tuple[bool, bool]], tuple]:
    """(verdict, signature): verdict(doc_id) -> (may see, sees in full) for an indexed challenge
    (False, False for anything else), each worked out once; equal signatures see the same."""
    check, signature = listed_doc_checker(user)
    verdicts: dict[str, tuple[bool, bool]] = {}

    def verdict(doc_id: str) -> tuple[bool, bool]:
        if doc_id not in verdicts:
            meta = index.meta.get(doc_id) if doc_id.startswith("ch:") else None
            verdicts[doc_id] = check(int(doc_id[3:]), meta) if meta else (False, False)
        return verdicts[doc_id]

    return verdict, signature


def summary_terms(obj: Challenge, shared: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The shared words that may be named for a challenge seen only as a summary: those of what the
    summary shows (title, keywords, chain). Its hidden text matched too, but its words must not appear."""
    public = normalize(f"{obj.title}\n{obj.keywords}\n{chain_name(obj.chain_id)}")
    return [(word, weight) for word, weight in shared if normalize(word) in public]
