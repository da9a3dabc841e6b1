package web

import (
	"errors"
	"net/http"

	"github.com/gohavi/gohavi/internal/audience"
	"github.com/gohavi/gohavi/internal/domain"
)

// maxImportBody bounds an import upload: 200,000 rows of a few columns.
const maxImportBody = 32 << 20

type importResult struct {
	Imported int               `json:"imported"`
	Updated  int               `json:"updated"`
	Rejected []audience.Reject `json:"rejected"`
}

// importContacts reads a CSV (multipart field "file", optional field
// "default_country") and imports it in one transaction. Rows that cannot be
// contacts are listed with the reason; a file that is not CSV imports
// nothing. Owners and admins only: an import writes the consent ledger.
func (s *server) importContacts(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, r, domain.Errorf(domain.CodeTooLarge, "Split the file into parts of at most 32 MB.", "the upload is larger than %d bytes", maxImportBody))
			return
		}
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Send multipart/form-data with the CSV in the field "file" (curl -F file=@contacts.csv).`, "the request is not a multipart upload: %v", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("file")
	if err != nil {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Put the CSV in the multipart field "file".`, "no file in the upload"))
		return
	}
	defer f.Close()
	rows, rejects, err := audience.ParseCSV(f, r.FormValue("default_country"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	actor, err := s.actor(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res := importResult{Rejected: rejects}
	if res.Rejected == nil {
		res.Rejected = []audience.Reject{}
	}
	if res.Imported, res.Updated, err = s.DB.ImportContacts(r.Context(), p.WorkspaceID, audience.Contacts(rows), actor); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
