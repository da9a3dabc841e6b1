// Package calendly speaks Calendly's API v2: the current user, webhook
// subscriptions, scheduled events, OAuth with single-use refresh tokens,
// and the webhook signature. It knows the wire format and nothing of
// GoHavi's bookings (package appointments owns those).
package calendly

import "time"

// User is GET /users/me's resource.
type User struct {
	URI          string `json:"uri"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Timezone     string `json:"timezone"`
	Organization string `json:"current_organization"`
}

// Subscription is a webhook subscription.
type Subscription struct {
	URI            string     `json:"uri"`
	CallbackURL    string     `json:"callback_url"`
	State          string     `json:"state"` // active | disabled
	Events         []string   `json:"events"`
	Scope          string     `json:"scope"`
	Organization   string     `json:"organization"`
	User           string     `json:"user"`
	RetryStartedAt *time.Time `json:"retry_started_at"`
}

// NewSubscription is what POST /webhook_subscriptions takes.
type NewSubscription struct {
	URL          string   `json:"url"`
	Events       []string `json:"events"`
	Organization string   `json:"organization"`
	User         string   `json:"user,omitempty"`
	Scope        string   `json:"scope"`
	SigningKey   string   `json:"signing_key,omitempty"`
}

// EventType is one bookable meeting kind.
type EventType struct {
	URI      string `json:"uri"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Duration int    `json:"duration"`
	Active   bool   `json:"active"`
}

// Location is where a meeting happens: a conference link, a place or a
// phone number, by type.
type Location struct {
	Type     string `json:"type"`
	Location string `json:"location"`
	JoinURL  string `json:"join_url"`
	Status   string `json:"status"`
}

// Cancellation says who canceled and why.
type Cancellation struct {
	CanceledBy   string `json:"canceled_by"`
	Reason       string `json:"reason"`
	CancelerType string `json:"canceler_type"`
}

// Event is a scheduled event.
type Event struct {
	URI          string        `json:"uri"`
	Name         string        `json:"name"`
	Status       string        `json:"status"` // active | canceled
	StartTime    time.Time     `json:"start_time"`
	EndTime      time.Time     `json:"end_time"`
	EventType    string        `json:"event_type"`
	Location     *Location     `json:"location"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Cancellation *Cancellation `json:"cancellation"`
	Memberships  []struct {
		UserName string `json:"user_name"`
	} `json:"event_memberships"`
}

// Answer is one booking-form answer.
type Answer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Position int    `json:"position"`
}

// Invitee is the payload of invitee.* webhooks.
type Invitee struct {
	URI                string        `json:"uri"`
	Email              string        `json:"email"`
	Name               string        `json:"name"`
	FirstName          string        `json:"first_name"`
	Status             string        `json:"status"` // active | canceled
	Timezone           string        `json:"timezone"`
	TextReminderNumber string        `json:"text_reminder_number"`
	Event              string        `json:"event"`
	UpdatedAt          time.Time     `json:"updated_at"`
	Rescheduled        bool          `json:"rescheduled"`
	OldInvitee         string        `json:"old_invitee"`
	NewInvitee         string        `json:"new_invitee"`
	CancelURL          string        `json:"cancel_url"`
	RescheduleURL      string        `json:"reschedule_url"`
	Answers            []Answer      `json:"questions_and_answers"`
	Cancellation       *Cancellation `json:"cancellation"`
	Tracking           struct {
		UTMContent string `json:"utm_content"`
	} `json:"tracking"`
	ScheduledEvent *Event `json:"scheduled_event"`
}

// Envelope is one webhook delivery.
type Envelope struct {
	Event     string    `json:"event"` // invitee.created, invitee.canceled, invitee_no_show.created, …
	CreatedAt time.Time `json:"created_at"`
	Payload   Invitee   `json:"payload"`
}

// Tokens is an OAuth grant, or a personal access token (no refresh, no
// expiry).
type Tokens struct {
	Access    string        `json:"access_token"`
	Refresh   string        `json:"refresh_token,omitempty"`
	ExpiresAt time.Time     `json:"expires_at,omitzero"` // set by the caller from ExpiresIn and its clock
	ExpiresIn time.Duration `json:"-"`
	Owner     string        `json:"owner,omitempty"`
}

// Webhook events GoHavi subscribes to.
var DefaultEvents = []string{"invitee.created", "invitee.canceled", "invitee_no_show.created"}
