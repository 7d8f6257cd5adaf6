//go:build unix

package vu

import "syscall"

// peekOpen peeks at fd without blocking: open and silent is the only state
// in which an idle keep-alive connection may be reused.
func peekOpen(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
}
