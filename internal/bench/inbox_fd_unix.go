//go:build linux || darwin

package bench

import "syscall"

// raiseFDLimit lifts the soft limit on open files to at least want (up to
// the hard limit): each stream is two descriptors in this process.
func raiseFDLimit(want uint64) (before, after, hard uint64) {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0, 0, 0
	}
	before, hard = uint64(l.Cur), uint64(l.Max)
	if uint64(l.Cur) < want {
		l.Cur = min(l.Max, max(l.Cur, want))
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return before, uint64(l.Cur), hard
}
