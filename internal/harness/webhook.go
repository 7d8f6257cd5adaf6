package harness

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// SignatureHeader carries a webhook alert's signature: "sha256=" and the
// hex HMAC-SHA256 of the raw body under the shared secret (GitHub's
// X-Hub-Signature-256 convention).
const SignatureHeader = "X-Abusegate-Signature"

// Alert is what a target's own detector POSTs to the webhook: one JSON
// object, or an array of them. It names what it caught by any of
// correlation id (the X-Abusegate-Correlation header of the request it
// flagged), identity, token (raw, or its "tok-" id) or address.
type Alert struct {
	ID            string    `json:"id,omitempty"`
	Time          time.Time `json:"time,omitzero"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	Identity      string    `json:"identity,omitempty"`
	Token         string    `json:"token,omitempty"`
	Address       string    `json:"address,omitempty"`
	Detector      string    `json:"detector,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	// Action is alert (the default), throttle, challenge, revoke or block.
	Action string `json:"action,omitempty"`
}

// Sign is the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// maxAlertBody bounds one webhook request.
const maxAlertBody = 1 << 20

// Webhook receives the target's own detector's alerts on Addr (loopback
// unless told otherwise), verifies their signature and turns them into
// decisions. Unsigned or badly signed alerts are refused (401) and
// counted, never believed.
type Webhook struct {
	Addr   string
	Secret []byte
	// Clock stamps alerts that carry no time.
	Clock vu.Clock

	mu       sync.Mutex
	ds       []scenarios.Decision
	rejected int
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
}

var _ Source = (*Webhook)(nil)

// Name implements Source.
func (*Webhook) Name() string { return "webhook" }

// URL is where alerts are to be posted, once started.
func (w *Webhook) URL() string {
	if w.ln == nil {
		return ""
	}
	return "http://" + w.ln.Addr().String() + "/alerts"
}

// Start implements Source: it listens before returning.
func (w *Webhook) Start(ctx context.Context) error {
	if len(w.Secret) == 0 {
		return errors.New("webhook: no shared secret: set ABUSEGATE_WEBHOOK_SECRET (alerts are HMAC-SHA256 signed)")
	}
	if w.Clock == nil {
		w.Clock = vu.RealClock{}
	}
	ln, err := net.Listen("tcp", w.Addr)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	w.ln, w.done = ln, make(chan struct{})
	w.srv = &http.Server{Handler: http.HandlerFunc(w.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(w.done)
		_ = w.srv.Serve(ln)
	}()
	go func() {
		<-ctx.Done()
		_ = w.srv.Close()
	}()
	return nil
}

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(rw, "POST alerts here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAlertBody+1))
	if err != nil || len(body) > maxAlertBody {
		http.Error(rw, "alert body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if !hmac.Equal([]byte(r.Header.Get(SignatureHeader)), []byte(Sign(w.Secret, body))) {
		w.mu.Lock()
		w.rejected++
		w.mu.Unlock()
		http.Error(rw, "bad or missing "+SignatureHeader, http.StatusUnauthorized)
		return
	}
	alerts, err := parseAlerts(body)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	now := w.Clock.Now()
	w.mu.Lock()
	for _, a := range alerts {
		w.ds = append(w.ds, a.decision(len(w.ds)+1, now))
	}
	w.mu.Unlock()
	rw.WriteHeader(http.StatusAccepted)
}

func parseAlerts(body []byte) ([]Alert, error) {
	trimmed := strings.TrimSpace(string(body))
	var alerts []Alert
	var err error
	if strings.HasPrefix(trimmed, "[") {
		err = json.Unmarshal(body, &alerts)
	} else {
		var a Alert
		err = json.Unmarshal(body, &a)
		alerts = []Alert{a}
	}
	if err != nil {
		return nil, fmt.Errorf("alert: %w", err)
	}
	for i, a := range alerts {
		if a.CorrelationID == "" && a.Identity == "" && a.Token == "" && a.Address == "" {
			return nil, fmt.Errorf("alert %d names nothing: give correlation_id, identity, token or address", i)
		}
		if a.Action != "" {
			if _, ok := scenarios.ParseAction(a.Action); !ok {
				return nil, fmt.Errorf("alert %d: action %q: want alert, throttle, challenge, revoke or block", i, a.Action)
			}
		}
	}
	return alerts, nil
}

func (a Alert) decision(n int, now time.Time) scenarios.Decision {
	d := scenarios.Decision{
		ID: a.ID, Time: a.Time, Detector: "webhook", Reason: a.Reason, CorrelationID: a.CorrelationID, Action: scenarios.ActionAlert,
	}
	if d.ID == "" {
		d.ID = "webhook-" + strconv.Itoa(n)
	}
	if d.Time.IsZero() {
		d.Time = now
	}
	if a.Detector != "" {
		d.Detector = "webhook:" + a.Detector
	}
	if act, ok := scenarios.ParseAction(a.Action); ok {
		d.Action = act
		d.Enforced = act.Contains()
	}
	switch {
	case a.Identity != "":
		d.Subject = scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: a.Identity}
	case a.Token != "":
		id := a.Token
		if !strings.HasPrefix(id, "tok-") {
			id = scenarios.TokenID(a.Token)
		}
		d.Subject = scenarios.Subject{Kind: scenarios.SubjectToken, Value: id}
	case a.Address != "":
		d.Subject = scenarios.Subject{Kind: scenarios.SubjectAddress, Value: a.Address}
	}
	return d
}

// Rejected is how many alerts failed their signature.
func (w *Webhook) Rejected() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rejected
}

// Decisions implements Source: it stops the receiver.
func (w *Webhook) Decisions(context.Context, scenarios.Timeline) ([]scenarios.Decision, error) {
	if w.srv != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = w.srv.Shutdown(shutdown)
		cancel()
		<-w.done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var err error
	if w.rejected > 0 {
		err = fmt.Errorf("webhook: %d alerts refused for a bad or missing signature", w.rejected)
	}
	return append([]scenarios.Decision(nil), w.ds...), err
}
