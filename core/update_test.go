package core

import (
	"reflect"
	"testing"
)

// Reset clears every field of an Update, including fields added later: it
// is checked against each field set in turn.
func TestUpdateReset(t *testing.T) {
	typ := reflect.TypeFor[Update]()
	for i := 0; i < typ.NumField(); i++ {
		var u Update
		f := reflect.ValueOf(&u).Elem().Field(i)
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.String:
			f.SetString("x")
		case reflect.Uint64, reflect.Uint32, reflect.Uint:
			f.SetUint(7)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", typ.Field(i).Name, f.Kind())
		}
		u.Reset()
		if !reflect.ValueOf(u).IsZero() {
			t.Errorf("Reset left field %s set: %+v", typ.Field(i).Name, u)
		}
	}
}
