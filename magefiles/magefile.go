//go:build mage

// The multi-stage build lab, done through the Docker Engine API: the
// targets any repository imports (packages labtargets and
// labtargets/namespaces) and the seed lab's own (package seed).
package main

import (
	//mage:import
	"github.com/multistage-lab/multistage-lab/labtargets"
	//mage:import
	_ "github.com/multistage-lab/multistage-lab/labtargets/namespaces"
	//mage:import
	_ "github.com/multistage-lab/multistage-lab/magefiles/seed"
)

// Default runs the whole lab.
var Default = labtargets.All
