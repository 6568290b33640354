package actions

// SavedFile describes a file an action wrote: a backup, an archive, saved
// logs. The CLI prints it and the dashboard names it on its status line,
// both through FileOutput, so a new kind of product needs no new case in
// either.
type SavedFile struct {
	// What says what the file holds and what was done, for a person:
	// "backup of app verified", "logs of web saved", "/var/lib/app in
	// container web archived".
	What string
	// Path is the file's full path.
	Path string
	// Size is its length in bytes.
	Size int64
	// SHA256 is its checksum, hex.
	SHA256 string
	// Notes are further lines worth a person's eye ("deleted by retention:
	// …"); the status line leaves them out.
	Notes []string
}

// FileOutput is implemented by every Result.Output that is a file the
// action wrote.
type FileOutput interface {
	SavedFile() SavedFile
}
