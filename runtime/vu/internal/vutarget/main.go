// Command vutarget is the minimal loopback target of the VU engine
// benchmarks (bench/vu-bench.sh): every load tool is measured against it in
// the same run.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "loopback address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vutarget:", err)
		os.Exit(1)
	}
	body := []byte("ok\n")
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "vutarget:", err)
		os.Exit(1)
	}
}
