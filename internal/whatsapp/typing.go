package whatsapp

import (
	"context"
	"errors"
)

// Typing shows the customer that the business is typing, for up to 25
// seconds or until the next message (§3.7). Meta ties it to a mark-as-read
// of the customer's message wamid, so that message is marked read too.
func (c *Client) Typing(ctx context.Context, token, phoneNumberID, wamid string) error {
	if wamid == "" {
		return errors.New("whatsapp: typing indicator: empty message id")
	}
	path, err := c.path(phoneNumberID, "/messages")
	if err != nil {
		return err
	}
	return c.readCall(ctx, token, path, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid,
		"typing_indicator": map[string]string{"type": "text"}})
}
