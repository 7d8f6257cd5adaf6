package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Version and Schema identify the format in every log.
const (
	Version = "2.1.0"
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// Log is a SARIF file: one run per tool invocation.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// NewLog returns a log of the given runs with the version fields set.
func NewLog(runs ...Run) *Log {
	if runs == nil {
		runs = []Run{}
	}
	return &Log{Schema: Schema, Version: Version, Runs: runs}
}

// Write encodes the log as indented JSON.
func (l *Log) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	return nil
}

// Run is one invocation of one tool and what it found.
type Run struct {
	Tool    Tool     `json:"tool"`
	Results []Result `json:"results"`
}

// Tool names the analyser.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component and the rules it applies.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules,omitempty"`
}

// Rule describes one check (SARIF's reportingDescriptor), so viewers can
// show its help beside each result.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *Message       `json:"shortDescription,omitempty"`
	FullDescription      *Message       `json:"fullDescription,omitempty"`
	Help                 *Message       `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
	// Properties carry "tags" and GitHub's "security-severity" ("0.0" to
	// "10.0").
	Properties map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default level.
type Configuration struct {
	Level Level `json:"level"`
}

// Message is SARIF's text wrapper.
type Message struct {
	Text string `json:"text"`
}

// Text wraps a string as a message.
func Text(s string) *Message { return &Message{Text: s} }

// Result is one finding.
type Result struct {
	RuleID    string     `json:"ruleId"`
	RuleIndex *int       `json:"ruleIndex,omitempty"`
	Level     Level      `json:"level"`
	Message   Message    `json:"message"`
	Locations []Location `json:"locations,omitempty"`
	// PartialFingerprints let viewers follow a result across runs as the
	// file shifts around it.
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

// Location is where a result is: a file region, and optionally the
// logical thing there (an operation).
type Location struct {
	PhysicalLocation *PhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []LogicalLocation `json:"logicalLocations,omitempty"`
}

// PhysicalLocation is a file and a region in it.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation names a file by URI.
type ArtifactLocation struct {
	URI string `json:"uri"`
}

// Region is a 1-based line and column.
type Region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// LogicalLocation names a program element, such as "GET /users/{id}".
type LogicalLocation struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// At builds a location from a file path and a 1-based line and column
// (zero when unknown: the region is then left out or shortened).
func At(file string, line, column int) Location {
	pl := &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: URI(file)}}
	if line > 0 {
		pl.Region = &Region{StartLine: line}
		if column > 0 {
			pl.Region.StartColumn = column
		}
	}
	return Location{PhysicalLocation: pl}
}

// URI turns a path into a SARIF artifact URI: relative paths stay relative
// with forward slashes (viewers resolve them against the repository),
// absolute ones become file:// URIs, and URLs pass through.
func URI(path string) string {
	if strings.Contains(path, "://") {
		return path
	}
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return "file://" + p
	}
	return strings.TrimPrefix(p, "./")
}
