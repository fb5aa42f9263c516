package sim

import (
	"testing"
)

// benchConfig is 5 nodes with 10 client operations per virtual second.
func benchConfig() Config {
	cfg := DefaultConfig()
	cfg.Clients.Count = 2
	cfg.Clients.RatePerSec = 5
	return cfg
}

// BenchmarkSimulate10Minutes simulates 10 virtual minutes of benchConfig.
func BenchmarkSimulate10Minutes(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, err := New(benchConfig())
		if err != nil {
			b.Fatal(err)
		}
		if err := c.RunFor(10 * 60 * 1000); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(c.nextMsg)/b.Elapsed().Seconds()*float64(i+1)/float64(i+1), "msgs")
	}
}
