package scenarios

// Replies is what a stand-in for the API answers one operation with: the
// documented answers with their examples and body shapes. Spec adapters
// fill it beside the Operation so that a responder (runtime/responder) can
// serve any spec without a server and without the adapters' own types.
type Replies struct {
	// Success is the code of the answer a served request gets ("200",
	// "201", "default"); empty when the spec documents none.
	Success string
	// Answers are the documented answers, in the order of their codes.
	Answers []Answer
}

// Answer returns the documented answer with code, if any.
func (r *Replies) Answer(code string) (Answer, bool) {
	if r == nil {
		return Answer{}, false
	}
	for _, a := range r.Answers {
		if a.Code == code {
			return a, true
		}
	}
	return Answer{}, false
}

// Answer is one documented answer of an operation.
type Answer struct {
	// Code is the status code or range as written: "200", "4XX",
	// "default".
	Code string
	// ContentType is the media type of the body; empty when the answer has
	// none.
	ContentType string
	// Example is the spec's JSON example of the body, verbatim; nil when
	// it gives none (or the media type is not JSON).
	Example []byte
	// Shape is the body's schema, cut at the adapter's depth; nil when the
	// spec gives none.
	Shape *Shape
}

// Shape is a JSON schema reduced to what synthesizing a value needs.
// Adapters share one Shape between every operation that refers to the
// same schema; readers must not change it.
type Shape struct {
	// Type is "object", "array", "string", "integer", "number",
	// "boolean", or empty for any.
	Type   string
	Format string
	// Enum are the allowed values, JSON-encoded.
	Enum [][]byte
	// Example is the schema's own JSON example; nil when none.
	Example []byte
	// Properties are an object's fields, sorted by name.
	Properties []Property
	// Items is an array's element.
	Items *Shape
	// Minimum and Maximum bound numbers when HasMinimum/HasMaximum.
	Minimum, Maximum       float64
	HasMinimum, HasMaximum bool
	// MinLength and MaxLength bound strings (MaxLength 0: unbounded);
	// MinItems and MaxItems bound arrays.
	MinLength, MaxLength int
	MinItems, MaxItems   int
	// Cut marks where the adapter stopped following a deeper (or
	// recursive) schema: a synthesized value ends here.
	Cut bool
}

// Property is one field of an object Shape.
type Property struct {
	Name     string
	Required bool
	Shape    *Shape
}

// Property returns the field called name, if the shape has one.
func (s *Shape) Property(name string) (*Shape, bool) {
	if s == nil {
		return nil, false
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Shape, true
		}
	}
	return nil, false
}
