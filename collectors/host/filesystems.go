package host

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
)

// Which mounts count as "real filesystems" worth a row:
//   - every type the kernel registers as needing a block device (the lines of
//     /proc/filesystems without "nodev": ext4, xfs, btrfs, vfat, fuseblk...),
//     read each poll because a module can register a type later;
//   - network and shared filesystems (nfs, cifs, ceph, 9p, virtiofs...),
//     which are nodev but hold real data, and zfs (nodev too);
//   - but not read-only images (squashfs snaps, erofs, iso9660): they are
//     always 100% full and would top every "fullest filesystem" list.
//
// Everything else — proc, sysfs, tmpfs, devtmpfs, cgroup, overlay (a
// container's view of a filesystem already listed), fuse daemons like lxcfs
// — is left out. tmpfs is RAM, already counted under memory.
var (
	networkFS = map[string]bool{
		"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "smbfs": true,
		"ceph": true, "glusterfs": true, "fuse.glusterfs": true, "fuse.sshfs": true,
		"9p": true, "virtiofs": true, "zfs": true, "lustre": true, "gpfs": true,
	}
	imageFS = map[string]bool{"squashfs": true, "erofs": true, "iso9660": true}
)

// statfsFunc reads one mount's usage. It is a field so tests can stand in a
// mount that hangs the way a dead NFS server does.
type statfsFunc func(path string) (*disk.UsageStat, error)

// fsProber reads filesystem usage without letting a hung mount block the
// poll. statfs on a dead NFS mount sleeps uninterruptibly, possibly forever;
// each call runs on its own goroutine, the poll waits at most timeout, and a
// mount whose call has not come back is not probed again until it does — so
// one dead server costs one stuck goroutine, not one per poll.
type fsProber struct {
	statfs  statfsFunc
	timeout time.Duration
	// pending holds the result channel of each probe that outlived its poll.
	pending map[string]chan fsResult
	// last is each mount's last answer, shown (marked unresponsive) while
	// the mount hangs.
	last map[string]Filesystem
}

type fsResult struct {
	usage *disk.UsageStat
	err   error
}

func newFSProber(statfs statfsFunc, timeout time.Duration) *fsProber {
	return &fsProber{
		statfs:  statfs,
		timeout: timeout,
		pending: make(map[string]chan fsResult),
		last:    make(map[string]Filesystem),
	}
}

// filesystems lists the real filesystems and their usage, by mountpoint.
func (p *fsProber) filesystems(ctx context.Context, procRoot string) ([]Filesystem, error) {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("filesystems: %w — is %s/1/mountinfo readable?", err, procRoot)
	}
	blockFS, err := readBlockFSTypes(procRoot + "/filesystems")
	if err != nil {
		return nil, fmt.Errorf("filesystems: %w", err)
	}
	mounts := realMounts(parts, blockFS)
	return p.probe(ctx, mounts), nil
}

// realMounts keeps the mounts worth showing, one per device: a bind mount
// (or a btrfs subvolume) of a device already listed shows the same numbers
// again. The original mount wins over a bind, then the shorter mountpoint.
func realMounts(parts []disk.PartitionStat, blockFS map[string]bool) []disk.PartitionStat {
	byDevice := make(map[string]int)
	var out []disk.PartitionStat
	for _, m := range parts {
		if !keepFSType(m.Fstype, blockFS) || m.Device == "none" {
			continue
		}
		i, dup := byDevice[m.Device]
		if !dup {
			byDevice[m.Device] = len(out)
			out = append(out, m)
			continue
		}
		if preferMount(m, out[i]) {
			out[i] = m
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}

func keepFSType(fstype string, blockFS map[string]bool) bool {
	if imageFS[fstype] {
		return false
	}
	return blockFS[fstype] || networkFS[fstype]
}

// preferMount reports whether a should represent its device instead of b.
func preferMount(a, b disk.PartitionStat) bool {
	aBind, bBind := hasOpt(a.Opts, "bind"), hasOpt(b.Opts, "bind")
	if aBind != bBind {
		return !aBind
	}
	return len(a.Mountpoint) < len(b.Mountpoint)
}

func hasOpt(opts []string, want string) bool {
	for _, o := range opts {
		if o == want {
			return true
		}
	}
	return false
}

// readBlockFSTypes returns the filesystem types in /proc/filesystems that
// need a block device (lines without the "nodev" marker).
func readBlockFSTypes(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	types := make(map[string]bool)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "nodev") {
			continue
		}
		if t := strings.TrimSpace(line); t != "" {
			types[t] = true
		}
	}
	return types, sc.Err()
}

// probe reads usage of every mount at once, waiting at most p.timeout (or
// until ctx ends) for the slow ones.
func (p *fsProber) probe(ctx context.Context, mounts []disk.PartitionStat) []Filesystem {
	chans := make([]chan fsResult, len(mounts))
	for i, m := range mounts {
		if ch, stuck := p.pending[m.Mountpoint]; stuck {
			chans[i] = ch // still waiting on an earlier call: do not pile on
			continue
		}
		ch := make(chan fsResult, 1)
		chans[i] = ch
		go func(path string) {
			u, err := p.statfs(path)
			ch <- fsResult{u, err}
		}(m.Mountpoint)
	}

	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	expired := false
	out := make([]Filesystem, 0, len(mounts))
	for i, m := range mounts {
		var res fsResult
		var got bool
		if expired {
			select {
			case res = <-chans[i]:
				got = true
			default:
			}
		} else {
			select {
			case res = <-chans[i]:
				got = true
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				expired = true
			}
		}
		if fs, ok := p.record(m, chans[i], res, got); ok {
			out = append(out, fs)
		}
	}
	p.forgetUnmounted(mounts)
	return out
}

// record turns one probe's outcome into a row. A mount that did not answer
// in time keeps its last known sizes, marked Unresponsive; one that answered
// with an error (unmounted meanwhile, permission) is left out.
func (p *fsProber) record(m disk.PartitionStat, ch chan fsResult, res fsResult, got bool) (Filesystem, bool) {
	if !got {
		p.pending[m.Mountpoint] = ch
		fs, ok := p.last[m.Mountpoint]
		if !ok {
			fs = Filesystem{Mountpoint: m.Mountpoint, Device: m.Device, FSType: m.Fstype}
		}
		fs.Unresponsive = true
		return fs, true
	}
	delete(p.pending, m.Mountpoint)
	if res.err != nil || res.usage == nil {
		return Filesystem{}, false
	}
	fs := Filesystem{
		Mountpoint: m.Mountpoint,
		Device:     m.Device,
		FSType:     m.Fstype,
		Total:      res.usage.Total,
		Used:       res.usage.Used,
		Free:       res.usage.Free,
	}
	p.last[m.Mountpoint] = fs
	return fs, true
}

// forgetUnmounted drops remembered answers of mounts that are gone, so the
// maps stay as small as the mount table.
func (p *fsProber) forgetUnmounted(mounts []disk.PartitionStat) {
	present := make(map[string]bool, len(mounts))
	for _, m := range mounts {
		present[m.Mountpoint] = true
	}
	for mp := range p.last {
		if !present[mp] {
			delete(p.last, mp)
		}
	}
	for mp := range p.pending {
		if !present[mp] {
			delete(p.pending, mp)
		}
	}
}
