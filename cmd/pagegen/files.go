package main

import (
	"pagegen/internal/packed"
)

// withCorpus opens the packed corpus for fn and closes it after.
func withCorpus(path string, fn func(*packed.Corpus) error) error {
	c, err := packed.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}
