package main

import (
	"fmt"
	"os"
)

var greeting = "hello"

func main() {
	fmt.Println(greeting, "from", os.Args[0])
}
