package reports

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// maxTimelineLine bounds a line of a timeline file: longer is not a
// timeline file (an exchange's line is a few hundred bytes; a decision's
// or the header's a few kilobytes).
const maxTimelineLine = 64 << 20

// readTimeline reads the uncompressed lines of a timeline file, of any
// version read. Errors name the line (1 is the header).
func readTimeline(r io.Reader) (scenarios.Timeline, timelineHeader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxTimelineLine)
	var h timelineHeader
	if !sc.Scan() {
		err := sc.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return scenarios.Timeline{}, h, fmt.Errorf("line 1 (header): %w", err)
	}
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
		return scenarios.Timeline{}, h, fmt.Errorf("line 1 (header): %w", err)
	}
	if h.Version < 1 || h.Version > timelineVersion {
		return scenarios.Timeline{}, h, fmt.Errorf("version %d, want 1 to %d (a newer abusegate wrote it?)", h.Version, timelineVersion)
	}
	tl := scenarios.Timeline{Start: h.Start, End: h.End, Dropped: h.Dropped}
	var v3 lineDecoder
	n := 1
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var err error
		if h.Version >= 3 {
			err = v3.decode(b, &tl)
		} else {
			err = decodeV2(b, &tl)
		}
		if err != nil {
			return scenarios.Timeline{}, h, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return scenarios.Timeline{}, h, fmt.Errorf("line %d: %w", n+1, err)
	}
	return tl, h, nil
}

// timelineLine is a line of versions 1 and 2: a decision or an exchange.
type timelineLine struct {
	D *scenarios.Decision `json:"d,omitempty"`
	X *compactExchange    `json:"x,omitempty"`
}

// compactExchange reads an exchange line of versions 1 and 2: FirstByte
// and Done, left out by version 2 when they equal Sent, are told apart
// from a written zero.
type compactExchange struct {
	scenarios.Exchange
	FirstByte *time.Time
	Done      *time.Time
}

func decodeV2(b []byte, tl *scenarios.Timeline) error {
	var l timelineLine
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	switch {
	case l.D != nil:
		tl.Decisions = append(tl.Decisions, *l.D)
	case l.X != nil:
		x := l.X.Exchange
		x.FirstByte, x.Done = x.Sent, x.Sent
		if l.X.FirstByte != nil {
			x.FirstByte = *l.X.FirstByte
		}
		if l.X.Done != nil {
			x.Done = *l.X.Done
		}
		tl.Exchanges = append(tl.Exchanges, x)
	}
	return nil
}

// lineDecoder reads the lines of version 3 (lineEncoder wrote them),
// keeping the session and operation lines read so far.
type lineDecoder struct {
	sessions []scenarios.Exchange // the session lines' fields
	ops      []scenarios.Exchange // the operation lines' fields
}

// lineV3 is a line of version 3: one of a decision, a session, an
// operation or an exchange.
type lineV3 struct {
	D *scenarios.Decision `json:"d"`
	S *sessionLine        `json:"s"`
	O *operationLine      `json:"o"`
	X *exchangeLine       `json:"x"`
}

type sessionLine struct {
	N           int `json:"n"`
	Scenario    string
	VU          int
	Actor       json.RawMessage
	Session     string
	Identity    string
	TokenID     string
	Addr        string
	Fingerprint string
}

type operationLine struct {
	N      int `json:"n"`
	Method string
	Route  string
}

type exchangeLine struct {
	S         int             `json:"s"`
	O         int             `json:"o"`
	Iteration int             `json:"i"`
	C         json.RawMessage `json:"c"`
	Path      string          `json:"p"`
	Abusive   bool            `json:"a"`
	Sent      json.RawMessage `json:"t"`
	FirstByte json.RawMessage `json:"fb"`
	Done      json.RawMessage `json:"done"`
	Status    int             `json:"code"`
	Bytes     int64           `json:"b"`
	Outcome   json.RawMessage `json:"out"`
	Leak      int             `json:"leak"`
	Err       string          `json:"err"`
	Refused   string          `json:"refused"`
}

func (d *lineDecoder) decode(b []byte, tl *scenarios.Timeline) error {
	var l lineV3
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	switch {
	case l.D != nil:
		tl.Decisions = append(tl.Decisions, *l.D)
	case l.S != nil:
		return d.session(l.S)
	case l.O != nil:
		if l.O.N != len(d.ops)+1 {
			return fmt.Errorf("operation %d, want %d (they are numbered in order from 1)", l.O.N, len(d.ops)+1)
		}
		d.ops = append(d.ops, scenarios.Exchange{Method: l.O.Method, Route: l.O.Route})
	case l.X != nil:
		x, err := d.exchange(l.X)
		if err != nil {
			return err
		}
		tl.Exchanges = append(tl.Exchanges, x)
	default:
		return errors.New(`neither a decision ("d"), a session ("s"), an operation ("o") nor an exchange ("x")`)
	}
	return nil
}

func (d *lineDecoder) session(s *sessionLine) error {
	if s.N != len(d.sessions)+1 {
		return fmt.Errorf("session %d, want %d (they are numbered in order from 1)", s.N, len(d.sessions)+1)
	}
	x := scenarios.Exchange{Scenario: s.Scenario, VU: s.VU, Session: s.Session, Identity: s.Identity,
		TokenID: s.TokenID, Addr: s.Addr, Fingerprint: s.Fingerprint}
	if s.Actor != nil {
		var err error
		if x.Actor, err = decodeEnum[scenarios.Actor](s.Actor); err != nil {
			return fmt.Errorf("session %d: Actor: %w", s.N, err)
		}
	}
	d.sessions = append(d.sessions, x)
	return nil
}

func (d *lineDecoder) exchange(l *exchangeLine) (scenarios.Exchange, error) {
	if l.S < 1 || l.S > len(d.sessions) {
		return scenarios.Exchange{}, fmt.Errorf("exchange of session %d, but %d sessions are defined above it", l.S, len(d.sessions))
	}
	if l.O < 1 || l.O > len(d.ops) {
		return scenarios.Exchange{}, fmt.Errorf("exchange of operation %d, but %d operations are defined above it", l.O, len(d.ops))
	}
	x := d.sessions[l.S-1]
	x.Method, x.Route = d.ops[l.O-1].Method, d.ops[l.O-1].Route
	x.Iteration, x.Path, x.Abusive = l.Iteration, l.Path, l.Abusive
	x.Status, x.Bytes, x.Leak, x.Err, x.Refused = l.Status, l.Bytes, l.Leak, l.Err, l.Refused
	var err error
	if x.CorrelationID, err = decodeCorrelationID(l.C, &x); err != nil {
		return x, fmt.Errorf(`"c": %w`, err)
	}
	if l.Sent == nil {
		return x, errors.New(`no send time ("t")`)
	}
	if x.Sent, err = decodeTime(l.Sent, nil); err != nil {
		return x, fmt.Errorf(`"t": %w`, err)
	}
	x.FirstByte, x.Done = x.Sent, x.Sent
	if l.FirstByte != nil {
		if x.FirstByte, err = decodeTime(l.FirstByte, &x.Sent); err != nil {
			return x, fmt.Errorf(`"fb": %w`, err)
		}
	}
	if l.Done != nil {
		if x.Done, err = decodeTime(l.Done, &x.Sent); err != nil {
			return x, fmt.Errorf(`"done": %w`, err)
		}
	}
	x.Outcome = scenarios.Classify(x.Status)
	if l.Outcome != nil {
		if x.Outcome, err = decodeEnum[scenarios.Outcome](l.Outcome); err != nil {
			return x, fmt.Errorf(`"out": %w`, err)
		}
	}
	return x, nil
}

// decodeTime reads a time written by appendExchange: an RFC 3339 string,
// or nanoseconds since the Unix epoch (sent is nil) or after sent.
func decodeTime(raw json.RawMessage, sent *time.Time) (time.Time, error) {
	var t time.Time
	if raw[0] == '"' {
		err := t.UnmarshalJSON(raw)
		return t, err
	}
	ns, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return t, fmt.Errorf("%s is neither an integer of nanoseconds nor an RFC 3339 string", raw)
	}
	if sent == nil {
		return time.Unix(0, ns).UTC(), nil
	}
	return sent.Add(time.Duration(ns)), nil
}

// decodeCorrelationID reads a correlation id: a string, or n of
// Scenario-VU-n.
func decodeCorrelationID(raw json.RawMessage, x *scenarios.Exchange) (string, error) {
	if raw == nil {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 {
		return "", fmt.Errorf("%s is neither a string nor a sequence number", raw)
	}
	return x.Scenario + "-" + strconv.Itoa(x.VU) + "-" + strconv.FormatInt(n, 10), nil
}

// decodeEnum reads an actor or outcome: its name, or a number (one
// without a name).
func decodeEnum[E ~int, P interface {
	*E
	encoding.TextUnmarshaler
}](raw json.RawMessage) (E, error) {
	var e E
	if raw[0] == '"' {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return e, err
		}
		err := P(&e).UnmarshalText([]byte(name))
		return e, err
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return e, fmt.Errorf("%s is neither a name nor a number", raw)
	}
	return E(n), nil
}
