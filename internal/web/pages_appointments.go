package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
)

// appointmentsPage is the shell of /appointments: the Calendly bookings and
// the WhatsApp messages each one gets, filled and kept live by
// appointments.js from /api/v1/appointments. In sandbox mode the script
// also offers to book a test appointment through the Calendly simulator,
// so the whole flow can be seen without a Calendly account.
func (s *server) appointmentsPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(w, r, p, u, "appointments.html")
}
