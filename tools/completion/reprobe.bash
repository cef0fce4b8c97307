# bash completion for reprobe (installed by meson into share/bash-completion/completions).
# Verbs and options come from the program's own --help at completion time, so they cannot
# drift from the binary; boot actions and policy names likewise.
_reprobe() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} prog=${COMP_WORDS[0]}
	if ((COMP_CWORD == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$("$prog" --help 2>/dev/null |
			sed -n '/^verbs:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p') --help --version" -- "$cur")
		return
	fi
	local verb=${COMP_WORDS[1]}
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$("$prog" "$verb" --help 2>/dev/null |
			grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur")
		return
	fi
	case $verb:$prev in
	replay:--policy | replay:-p | report:--policy | report:-p)
		mapfile -t COMPREPLY < <(compgen -W "$("$prog" replay --help 2>/dev/null |
			sed -n '/^policies:/,/^  parameters/s/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur")
		return ;;
	*:--format | *:-f)
		mapfile -t COMPREPLY < <(compgen -W "text json markdown html" -- "$cur")
		return ;;
	esac
	if [[ $verb == boot ]] && ((COMP_CWORD == 2)); then
		mapfile -t COMPREPLY < <(compgen -W "enable disable status list" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -o bashdefault -F _reprobe reprobe
