package ingest

import "context"

// KeywordsFrom lets tests read a workspace's set through k from src.
func KeywordsFrom(ctx context.Context, k *Keywords, src keywordSource, workspaceID int64) (KeywordSet, error) {
	return k.set(ctx, src, workspaceID)
}
