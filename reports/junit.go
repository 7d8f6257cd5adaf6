package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteJUnit writes the report as JUnit XML: one testsuite for the run, one
// testcase per scenario, failing with the SLA bounds it missed. CI systems
// (GitHub Actions test reporters, Jenkins, GitLab) show it as test results
// without knowing anything about abusegate.
func WriteJUnit(w io.Writer, r Report) error {
	suite := junitSuite{
		Name:  strings.TrimSpace("abusegate " + r.Command),
		Tests: len(r.Scenarios),
		Time:  seconds(r.Ended.Sub(r.Started)),
		Properties: []junitProperty{
			{Name: "schema_version", Value: r.SchemaVersion},
			{Name: "tool_version", Value: r.Tool},
			{Name: "mode", Value: r.Mode},
			{Name: "target", Value: r.Target},
			{Name: "simulated", Value: fmt.Sprint(r.Simulated)},
			{Name: "benign_sessions", Value: fmt.Sprint(r.Benign.Sessions)},
			{Name: "benign_hurt", Value: fmt.Sprint(r.Benign.Hurt)},
		},
	}
	// The timestamp is xs:dateTime without a zone, as the Ant schema and
	// the readers that follow it parse it; a report that does not know
	// when it started leaves it out rather than claim the year 1.
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, s := range r.Scenarios {
		tc := junitCase{
			Name:      s.ID,
			Classname: s.Kind,
			Time:      "0",
			SystemOut: scenarioSummary(r, s),
		}
		if s.MTTCSeconds != nil {
			tc.Time = fmt.Sprintf("%.3f", *s.MTTCSeconds)
		}
		if !s.Pass {
			suite.Failures++
			var msgs, bounds []string
			for _, b := range s.Breaches {
				msgs = append(msgs, b.Message)
				bounds = append(bounds, b.Bound)
			}
			tc.Failure = &junitFailure{
				Message: strings.Join(msgs, "; "),
				Type:    "sla:" + strings.Join(bounds, ","),
				Body:    strings.Join(msgs, "\n"),
			}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	doc := junitSuites{
		Name:     "abusegate",
		Tests:    suite.Tests,
		Failures: suite.Failures,
		Time:     suite.Time,
		Suites:   []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	return nil
}

// scenarioSummary is the one-paragraph account of a scenario that CI
// systems show beside the test case.
func scenarioSummary(r Report, s ScenarioReport) string {
	return fmt.Sprintf("%s (%s): %s; t0 %s, detected after %s, contained after %s, leaked %s, benign hurt %s",
		s.Title, s.Kind, s.Status, t0Cell(r, s), detectedCell(s), containedCell(s), leakedCell(s), benignCell(r))
}

func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}
