package appointments

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // invitees' zones must load on machines without tzdata
)

// A WhatsApp message has to say "Thursday, 8 January at 11:00" the way the
// customer reads dates: in the invitee's time zone, in the template's
// language. Go has no locale data, so the few languages GoHavi speaks are
// spelled out here; any other language gets the English form with a 24-hour
// clock.
type locale struct {
	days   [7]string  // Sunday first
	months [12]string // January first
	date   string     // weekday [1], day [2], month [3], year [4], e.g. "%[1]s %[2]d %[3]s %[4]d"
	at     string     // joins date and clock: "%s at %s"
	clock  func(t time.Time) string
}

func h24(t time.Time) string { return t.Format("15:04") }

var locales = map[string]locale{
	"en_US": {
		days:   [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		date:   "%[1]s, %[3]s %[2]d, %[4]d",
		at:     "%s at %s",
		clock:  func(t time.Time) string { return t.Format("3:04 PM") },
	},
	"en": {
		days:   [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		date:   "%[1]s %[2]d %[3]s %[4]d",
		at:     "%s at %s",
		clock:  h24,
	},
	"pt": {
		days:   [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		months: [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		date:   "%[1]s, %[2]d de %[3]s de %[4]d",
		at:     "%s às %s",
		clock:  h24,
	},
	"es": {
		days:   [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		date:   "%[1]s, %[2]d de %[3]s de %[4]d",
		at:     "%s a las %s",
		clock:  h24,
	},
	"fr": {
		days:   [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		date:   "%[1]s %[2]d %[3]s %[4]d",
		at:     "%s à %s",
		clock:  h24,
	},
	"de": {
		days:   [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		months: [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		date:   "%[1]s, %[2]d. %[3]s %[4]d",
		at:     "%s um %s Uhr",
		clock:  h24,
	},
	"it": {
		days:   [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		months: [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		date:   "%[1]s %[2]d %[3]s %[4]d",
		at:     "%s alle %s",
		clock:  h24,
	},
	"nl": {
		days:   [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		months: [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		date:   "%[1]s %[2]d %[3]s %[4]d",
		at:     "%s om %s",
		clock:  h24,
	},
	"id": {
		days:   [7]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"},
		months: [12]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
		date:   "%[1]s, %[2]d %[3]s %[4]d",
		at:     "%s pukul %s",
		clock:  func(t time.Time) string { return t.Format("15.04") },
	},
	"hi": {
		days:   [7]string{"रविवार", "सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार"},
		months: [12]string{"जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्तूबर", "नवंबर", "दिसंबर"},
		date:   "%[1]s, %[2]d %[3]s %[4]d",
		at:     "%s, %s बजे",
		clock:  h24,
	},
}

// localeFor picks the locale of a template language code: the exact code
// first (en_US uses a 12-hour clock), then its language.
func localeFor(lang string) locale {
	lang = strings.ReplaceAll(strings.TrimSpace(lang), "-", "_")
	if l, ok := locales[lang]; ok {
		return l
	}
	base, _, _ := strings.Cut(lang, "_")
	if l, ok := locales[strings.ToLower(base)]; ok {
		return l
	}
	return locales["en"]
}

// zone loads an IANA zone ("America/New York" as Calendly sometimes spells
// it included), falling back to UTC.
func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(strings.ReplaceAll(strings.TrimSpace(name), " ", "_")); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

// when is a start time as the invitee reads it.
type when struct {
	Full, Date, Clock, Zone string
}

// renderTime formats t in the zone tz for a template in language lang.
func renderTime(t time.Time, tz, lang string) when {
	lt := t.In(zone(tz))
	l := localeFor(lang)
	date := fmt.Sprintf(l.date, l.days[lt.Weekday()], lt.Day(), l.months[lt.Month()-1], lt.Year())
	clock, z := l.clock(lt), zoneLabel(lt)
	return when{Full: fmt.Sprintf(l.at, date, clock) + " (" + z + ")", Date: date, Clock: clock + " (" + z + ")", Zone: z}
}

// zoneLabel names the offset people recognise: "EST", "CET", or "GMT-3"
// where the zone has no common abbreviation.
func zoneLabel(t time.Time) string {
	abbr := t.Format("MST")
	if abbr != "" && abbr[0] != '+' && abbr[0] != '-' {
		return abbr
	}
	_, off := t.Zone()
	h, m := off/3600, (off%3600)/60
	if m < 0 {
		m = -m
	}
	if m == 0 {
		return fmt.Sprintf("GMT%+d", h)
	}
	return fmt.Sprintf("GMT%+d:%02d", h, m)
}
