package whatsapp

import "fmt"

type codeText struct{ title, remedy string }

// codeTexts speak to the business user who sees the failure, not to a
// developer: what happened, and what they can do about it.
var codeTexts = map[int]codeText{
	0:       {"WhatsApp could not authenticate the app", "Reconnect the number so GoHavi gets a fresh access token."},
	1:       {"WhatsApp rejected the request", "Check the message and try again; if it keeps failing, contact support."},
	2:       {"WhatsApp is temporarily unavailable", "Nothing to do: GoHavi retries automatically in a moment."},
	3:       {"The app lacks a capability for this action", "Check that the Meta app has WhatsApp enabled and the needed permissions."},
	4:       {"Too many requests to WhatsApp", "GoHavi slows down and retries; if it persists, send fewer management requests."},
	10:      {"Permission denied", "Reconnect the number and grant the WhatsApp messaging and management permissions."},
	33:      {"The phone number no longer exists", "The number was deleted at Meta; remove it here and connect a current one."},
	100:     {"Invalid parameter", "A value in the message is wrong or too long; check the message and try again."},
	190:     {"Access token expired or revoked", "Reconnect the number in Settings to get a new token."},
	200:     {"No permission for this WhatsApp account", "Give the system user access to the WhatsApp Business Account in Meta Business Settings."},
	368:     {"Temporarily blocked for policy violations", "Review the policy notice in WhatsApp Manager; sending resumes when the block ends."},
	80007:   {"WhatsApp Business Account rate limit reached", "GoHavi retries later; avoid bulk management changes for an hour."},
	130429:  {"Sending too fast for this number", "GoHavi slows down and retries automatically."},
	130472:  {"Recipient is part of a Meta experiment", "Meta held back this marketing message; nothing to fix, do not resend it."},
	130497:  {"Messaging users in this country is restricted", "This business may not message users in that country; contact Meta support."},
	131000:  {"Something went wrong at WhatsApp", "GoHavi retries automatically; if it keeps failing, try again later."},
	131005:  {"Access denied", "Check that the token has the whatsapp_business_messaging permission; reconnect the number."},
	131008:  {"A required parameter is missing", "Fill in every required field of the message (for templates, every variable)."},
	131009:  {"A parameter value is not valid", "Check the recipient, media and buttons; a reaction can only target a recent message."},
	131016:  {"WhatsApp service unavailable", "GoHavi retries automatically in a moment."},
	131021:  {"Recipient is the sending number", "Send to a customer's number, not to the business number itself."},
	131026:  {"Message could not be delivered", "The number may not use WhatsApp, run an old version, or not have accepted the terms; reach them another way."},
	131030:  {"Recipient not on the test number's allowed list", "Add the number to the allowed list in the Meta app, or use a production number."},
	131031:  {"The WhatsApp account is locked", "Open WhatsApp Manager to see why; a wrong two-step PIN can also lock it."},
	131037:  {"Display name not approved yet", "Wait for Meta to approve the display name before sending."},
	131042:  {"Payment problem on the WhatsApp account", "Add or fix a payment method in WhatsApp Manager, then try again."},
	131045:  {"Phone number registration problem", "Re-register the phone number in GoHavi or WhatsApp Manager."},
	131047:  {"More than 24 hours since the customer's last message", "Send an approved template to re-open the conversation."},
	131048:  {"Limited for spam", "Too many of your messages were blocked or reported; improve quality and try again later."},
	131049:  {"Not delivered to protect the customer experience", "Meta limits marketing messages per customer; wait at least a day before trying again."},
	131050:  {"Customer stopped marketing messages", "Do not send marketing to this customer until they opt in again."},
	131051:  {"Unsupported message type", "Send a supported type (text, media, location, contacts, interactive or template)."},
	131052:  {"Could not download the customer's media", "Ask the customer to send the file again; files over 100 MB cannot be received."},
	131053:  {"Media upload failed", "Use a supported file type and size, and make sure the media link is reachable."},
	131055:  {"Method not allowed for this number", "This number can only send certain message types; check its setup in WhatsApp Manager."},
	131056:  {"Too many messages to this customer too fast", "GoHavi waits and retries; space out messages to the same customer."},
	131057:  {"WhatsApp account under maintenance", "GoHavi retries in a minute; nothing to do."},
	132000:  {"Template variables do not match", "Provide exactly as many variables as the template has."},
	132001:  {"Template not found or not approved", "Check the template name and language, and that it is approved."},
	132005:  {"Template text too long", "Shorten the variable values so the message fits."},
	132007:  {"Template content breaks formatting rules", "Edit the variable values (no line breaks, tabs or more than 4 spaces) and try again."},
	132012:  {"Template variable has the wrong format", "Match each variable's type (text, currency, date, media) to the template."},
	132015:  {"Template paused for low quality", "Edit the template or wait until Meta lifts the pause; use another template meanwhile."},
	132016:  {"Template disabled", "The template was paused too often; create a new template."},
	132018:  {"Template variable problem", "Check the template's variables and try again."},
	133000:  {"Phone number deregistration incomplete", "Deregister the number fully, then register it again."},
	133004:  {"WhatsApp server temporarily unavailable", "GoHavi retries automatically in a moment."},
	133005:  {"Two-step verification PIN is wrong", "Enter the number's current two-step PIN, or reset it in WhatsApp Manager."},
	133006:  {"Phone number needs verification", "Verify the number again with a code by SMS or voice call."},
	133010:  {"Phone number not registered", "Register the number with WhatsApp in GoHavi before sending."},
	133015:  {"Phone number was deleted recently", "Wait 5 minutes, then try again."},
	133016:  {"Too many registration attempts", "Wait before registering again; the limit is 10 per 72 hours."},
	134011:  {"WhatsApp Payments terms not accepted", "Accept the Payments terms in WhatsApp Manager."},
	135000:  {"WhatsApp could not process the request", "Check the message content and try again."},
	137000:  {"Customer's identity changed", "The customer may have a new phone; confirm who they are before sending sensitive data."},
	2494100: {"WhatsApp account under maintenance", "GoHavi retries in a minute; nothing to do."},
}

// Describe returns a human title and a remedy for a Graph or webhook error
// code. Unknown codes get a generic text that still names the code.
func Describe(code int) (title, remedy string) {
	if t, ok := codeTexts[code]; ok {
		return t.title, t.remedy
	}
	switch {
	case code > 200 && code <= 299:
		return codeTexts[200].title, codeTexts[200].remedy
	case code/1000 == 132:
		return fmt.Sprintf("Template problem (code %d)", code), "Check the template and its variables in WhatsApp Manager."
	}
	return fmt.Sprintf("WhatsApp error %d", code), "Check the details from WhatsApp; if it keeps happening, contact support with this code."
}
