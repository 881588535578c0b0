package neocities

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyEnv is the environment variable that holds the API key.
const KeyEnv = "NEOCITIES_API_KEY"

// ConfigPath is the official neocities CLI's config file, which keeps the
// key of the site it logged in to as {"API_KEY": "...", "SITENAME": "..."}:
// $XDG_CONFIG_HOME/neocities/config.json, or ~/.config/neocities/config.json.
func ConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "neocities", "config.json"), nil
}

// FindKey is the API key, from the environment (KeyEnv) or else the
// official CLI's config file, and where it was found, to name in
// messages. The key itself is never part of an error.
func FindKey(getenv func(string) string) (key, from string, err error) {
	if key := strings.TrimSpace(getenv(KeyEnv)); key != "" {
		return key, KeyEnv, nil
	}
	path, err := ConfigPath()
	if err != nil {
		return "", "", fmt.Errorf("no Neocities API key: %s is not set, and the CLI's config file cannot be found (%v). %s", KeyEnv, err, KeyHelp)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("no Neocities API key: %s is not set, and there is no %s. %s", KeyEnv, path, KeyHelp)
	}
	if err != nil {
		return "", "", fmt.Errorf("reading the Neocities API key: %w", err)
	}
	var config struct {
		Key string `json:"API_KEY"`
	}
	// The file's words are not repeated: it holds a key.
	if json.Unmarshal(data, &config) != nil {
		return "", "", fmt.Errorf("%s is not the neocities CLI's config file (JSON with API_KEY): set %s instead. %s", path, KeyEnv, KeyHelp)
	}
	if key := strings.TrimSpace(config.Key); key != "" {
		return key, path, nil
	}
	return "", "", fmt.Errorf("%s has no API_KEY: set %s instead. %s", path, KeyEnv, KeyHelp)
}
