package storage

import "errors"

// ErrOutOfBounds is wrapped by the errors of requests that name an index
// outside the log: Entries with hi > LastIndex()+1, CreateSnapshot with an
// index beyond LastIndex() or before the dummy entry (FirstIndex()-1), and
// Compact beyond LastIndex(). etcd's MemoryStorage panics in these cases.
var ErrOutOfBounds = errors.New("storage: index out of bounds of the log")

// ErrInvalidRange is wrapped by the error of Entries when lo > hi.
var ErrInvalidRange = errors.New("storage: invalid range, lo > hi")

// ErrLogGap is wrapped by the error of Append when the entries would not
// continue the log: the first one lies beyond LastIndex()+1, or their indexes
// are not consecutive. etcd's MemoryStorage panics on the former and silently
// stores the latter.
var ErrLogGap = errors.New("storage: entries would leave a gap in the log")
