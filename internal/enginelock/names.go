package enginelock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Holder is who holds the lock, as its container's name says (or, for a
// lock made by an earlier lab, its labels). A holder that has just taken
// the lock and not yet named it is known by its container only.
type Holder struct {
	ContainerID string
	card        string // the ID of the card that names it
	Host        string
	PID         int
	Target      string
	Since       time.Time
}

func (h Holder) String() string {
	if h.Host == "" && h.PID == 0 {
		return "a run that is just starting"
	}
	target := h.Target
	if target == "" {
		target = "a run"
	}
	since := "at an unknown time"
	if !h.Since.IsZero() {
		since = "since " + h.Since.Local().Format("15:04:05")
	}
	return fmt.Sprintf("%s on %s (pid %d), %s", target, h.Host, h.PID, since)
}

// key tells one holding from another.
func (h Holder) key() string {
	return h.ContainerID + "|" + h.Host + "|" + strconv.Itoa(h.PID) + "|" + h.Since.String()
}

// heldName is the lock's name while h holds it:
// multistage-lab-lock.PID.SINCE.TARGET.HOST, SINCE in Unix seconds, and in
// TARGET and HOST every byte but a letter, a digit and '-' written _XX (a
// container name allows letters, digits, '_', '.' and '-').
func heldName(h Holder) string {
	return fmt.Sprintf("%s.%d.%d.%s.%s", Name, h.PID, h.Since.Unix(), escape(h.Target), escape(h.Host))
}

// parseHeld reads a holder from the lock's name; false for a name that
// does not say one (the lock just taken, or an earlier lab's).
func parseHeld(name string) (Holder, bool) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(name, "/"), Name+".")
	if !ok {
		return Holder{}, false
	}
	f := strings.SplitN(rest, ".", 4)
	if len(f) != 4 {
		return Holder{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	since, err2 := strconv.ParseInt(f[1], 10, 64)
	target, err3 := unescape(f[2])
	host, err4 := unescape(f[3])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return Holder{}, false
	}
	return Holder{PID: pid, Since: time.Unix(since, 0).UTC(), Target: target, Host: host}, true
}

func escape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("short escape")
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}
