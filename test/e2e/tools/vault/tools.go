//go:build tools

// Package tools pins the program this folder builds; see go.mod.
package tools

import _ "github.com/hashicorp/vault"
