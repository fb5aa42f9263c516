package etcdscript

import (
	"fmt"
	"reflect"
	"unsafe"

	"go.etcd.io/raft/v3"
)

// setRandomizedElectionTimeout sets the election timeout rn drew, as the
// set-randomized-election-timeout directive asks. etcd's TestInteraction
// passes raft.SetRandomizedElectionTimeout, which is defined in a _test.go
// file of package raft and so cannot be called from here; this writes the
// same private field (raft.randomizedElectionTimeout, v3.7.0) through
// reflect. If a later raft renames the field it panics with a message,
// which the Runner turns into an ErrEtcdPanic naming the line.
func setRandomizedElectionTimeout(rn *raft.RawNode, v int) {
	r := reflect.ValueOf(rn).Elem().FieldByName("raft")
	if !r.IsValid() || r.Kind() != reflect.Pointer || r.IsNil() {
		panic("etcdscript: raft.RawNode has no raft field")
	}
	f := r.Elem().FieldByName("randomizedElectionTimeout")
	if !f.IsValid() || f.Kind() != reflect.Int {
		panic(fmt.Sprintf("etcdscript: raft has no int field randomizedElectionTimeout (%v)", f.Kind()))
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().SetInt(int64(v))
}
