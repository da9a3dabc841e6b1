-- Status ranks are spaced by ten so "held" (Meta's held_for_quality_assessment)
-- fits between sending and sent; see domain.statusRank.
UPDATE messages SET status_rank = status_rank * 10 WHERE status_rank > 0 AND status_rank < 10;
