package demoshop

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

type gqlSignup struct {
	UserID   graphql.ID
	Username string
}

// Signup is POST /signup: no captcha, no verification, no limit, so one
// request may hold many aliased sign-ups.
func (r *gqlRoot) Signup(ctx context.Context, args struct {
	Username, Email, Password string
	Name                      *string
}) (*gqlSignup, error) {
	req := signupRequest{Username: args.Username, Email: args.Email, Password: args.Password}
	if args.Name != nil {
		req.Name = *args.Name
	}
	var resp signupResponse
	if err := invoke(ctx, r.shop.signup, "/signup", req, nil, &resp); err != nil {
		return nil, err
	}
	return &gqlSignup{UserID: gqlID(resp.UserID), Username: resp.Username}, nil
}
